/* knn: the report's k-nearest neighbours (section 3.1: k = 7; Figure 5:
 * k = 5 and 7), Euclidean distance on standardized pixels; trained on the
 * 50k split, scored on the official test set. A 1-1 vote goes to the class
 * whose voters are nearer in sum, then to the smaller label. */
#include <stdio.h>

#include "classic_run.h"

int main(int argc, char **argv) {
  ex_common c;
  size_t k = 7;
  const char *weights = "uniform", *algorithm = "pruned";
  const ex_flag extra[] = {
      EX_SAVE_FLAG(c),
      EX_LOAD_FLAG(c),
      {"k", EX_SIZE, &k, "neighbours (the report: 5 and 7)"},
      {"weights", EX_STRING, &weights, "uniform|distance (distance: votes weigh 1/d)"},
      {"algorithm", EX_STRING, &algorithm, "pruned|brute (exact either way: same neighbours)"},
  };
  ex_parse_flags(argc, argv, "K-nearest neighbours of the report (Figure 5).", &c, extra,
                 sizeof extra / sizeof extra[0]);
  char sk[32], name[48];
  snprintf(sk, sizeof sk, "%zu", k);
  snprintf(name, sizeof name, "knn_%zu", k);
  const char *kv[] = {"k", sk, "weights", weights, "algorithm", algorithm, NULL};
  return classic_run("knn", name, kv, &c);
}
