/* A fit's data-parallel group (fmnist_net_set_data_parallel) as the
 * training loop sees it (nn/group.c). The loop makes the same calls
 * whether the process is alone or a member, and the group's strategy does
 * what they mean:
 *   alone (a group of one): its share of anything is all of it, nothing
 *     is summed, a failure or cancel stops the fit at once;
 *   a member of ranks > 1: each step's batch and the validation set are
 *     split in contiguous shares, the step's gradients and every tally are
 *     summed over the group, and a failure or cancel waits for the next
 *     sum, which stops every member at the same step (that member with its
 *     own status, the others with FMNIST_E_PEER).
 * To a layer the group is only its sum (nn/pass.h). */
#ifndef FMNIST_SRC_NN_GROUP_H
#define FMNIST_SRC_NN_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "nn/net_impl.h"
#include "nn/pass.h"

/* Floats a sum carries after its values (the tally and the members' stop
 * flags): a buffer given to fmnist__group_tally has this room after them. */
#define FMNIST__GROUP_TALLY_FLOATS 4

/* What the members must agree on for their steps to pair up: training
 * and validation sizes, batch, epochs, parameters. */
enum { FMNIST__GROUP_SHAPE = 5 };

typedef struct fmnist__group_ops fmnist__group_ops;

struct fmnist__group {
  const fmnist__group_ops *ops; /* alone or a member */
  fmnist__group_config cfg;     /* alone: rank 0 of 1 */
  fmnist_status status;         /* the first failure of cfg.sum (then no more calls) */
  fmnist_status pending;        /* a member's stop, waiting for the next sum */
};

/* The group of a fit from its setting. */
void fmnist__group_begin(fmnist__group *g, const fmnist__group_config *cfg);
/* This member's share [*lo, *hi) of n items: the members' shares are
 * contiguous and their sizes differ by at most one. */
void fmnist__group_share(const fmnist__group *g, size_t n, size_t *lo, size_t *hi);
/* The largest share of n items (member 0's). */
size_t fmnist__group_largest_share(const fmnist__group *g, size_t n);
/* The group the layers' passes sum their statistics over: NULL alone
 * (the layers then take their single-process paths). */
fmnist__group *fmnist__group_of_layers(fmnist__group *g);

/* The first sums of a fit: member 0's shape, then every member's verdict
 * on it with its setup's status. Alone: the setup's status. */
fmnist_status fmnist__group_agree(fmnist__group *g, const uint64_t shape[FMNIST__GROUP_SHAPE],
                                  fmnist_status setup);
/* A failure or cancel s of this process during the fit: alone s (stop
 * now); a member keeps the first in g->pending for the next sum and goes
 * on (FMNIST_OK). */
fmnist_status fmnist__group_defer(fmnist__group *g, fmnist_status s);
/* Adds buf[0..n) and the tally *t over the group, with this member's
 * pending stop, and makes *t the group's (through floats); buf has
 * FMNIST__GROUP_TALLY_FLOATS floats of room after buf[n]. Every member
 * gets the same verdict: its own pending status, a failed sum's, E_PEER
 * for another member's stop, or FMNIST_OK. Alone: nothing to add, OK. */
fmnist_status fmnist__group_tally(fmnist__group *g, float *buf, size_t n, fmnist__tally *t);
/* The last sum of a fit: a stop raised after the last tally. */
fmnist_status fmnist__group_finish(fmnist__group *g);

#endif
