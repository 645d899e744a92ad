/* knn: the report's k-nearest neighbours (section 3.1: k = 7; Figure 5:
 * k = 5 and 7), Euclidean distance on standardized pixels; trained on the
 * 50k split, scored on the official test set. A 1-1 vote goes to the class
 * whose voters are nearer in sum, then to the smaller label. */
#include <stdio.h>

#include "kit/classic_run.h"

int main(int argc, char **argv) {
  kit_common c;
  size_t k = 7;
  const char *weights = "uniform", *algorithm = "pruned";
  const kit_flag extra[] = {
      KIT_SAVE_FLAG(c),
      KIT_LOAD_FLAG(c),
      {"k", KIT_SIZE, &k, "neighbours (the report: 5 and 7)"},
      {"weights", KIT_STRING, &weights, "uniform|distance (distance: votes weigh 1/d)"},
      {"algorithm", KIT_STRING, &algorithm, "pruned|brute (exact either way: same neighbours)"},
  };
  kit_parse_example(argc, argv, "K-nearest neighbours of the report (Figure 5).", extra,
                    KIT_LEN(extra), &c);
  char sk[32], name[48];
  snprintf(sk, sizeof sk, "%zu", k);
  snprintf(name, sizeof name, "knn_%zu", k);
  const char *kv[] = {"k", sk, "weights", weights, "algorithm", algorithm, NULL};
  return kit_classic_run("knn", name, kv, &c);
}
