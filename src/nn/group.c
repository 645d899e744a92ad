/* Data-parallel groups of the net family: the members' shares of a batch,
 * the sums over the group, and fmnist_net_set_data_parallel. */
#include "base/status.h"
#include "nn/layer.h"
#include "nn/net_impl.h"

void fmnist__group_sum(fmnist__group *g, float *buf, size_t len) {
  if (g->status) return;
  fmnist_status s = g->sum(g->user, buf, len);
  if (s) g->status = s;
}

void fmnist__group_share(size_t n, size_t rank, size_t ranks, size_t *lo, size_t *hi) {
  *lo = n / ranks * rank + (rank < n % ranks ? rank : n % ranks);
  *hi = *lo + n / ranks + (rank < n % ranks);
}

FMNIST_API fmnist_status fmnist_net_set_data_parallel(fmnist_model *m, size_t rank, size_t ranks,
                                                      fmnist_allreduce_fn sum, void *user) {
  FMNIST__CHECK_ARG(m);
  if (m->family != &fmnist__net_family)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_net_set_data_parallel: the model is of family "
                        "%s, not net", m->family->name);
  if (ranks == 0 || rank >= ranks || (ranks > 1 && !sum))
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_net_set_data_parallel: member %zu of %zu%s",
                        rank, ranks, ranks > 1 && !sum ? " without a sum function" : "");
  m->group = (fmnist__group_config){rank, ranks, ranks > 1 ? sum : NULL, ranks > 1 ? user : NULL};
  return FMNIST_OK;
}
