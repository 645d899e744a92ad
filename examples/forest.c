/* forest: the report's random forest (section 3.1: gini, max_depth 80;
 * Figure 5: max_depth 70 and 80), CART trees on the raw pixels; trained on
 * the 50k split, scored on the official test set. */
#include <stdio.h>

#include "kit/classic_run.h"

int main(int argc, char **argv) {
  kit_common c;
  size_t n_trees = 100, max_depth = 80, min_split = 2, min_leaf = 1, max_features = 0;
  size_t bootstrap = 1;
  const char *criterion = "gini";
  const kit_flag extra[] = {
      KIT_SAVE_FLAG(c),
      KIT_LOAD_FLAG(c),
      {"n-trees", KIT_SIZE, &n_trees, "trees"},
      {"max-depth", KIT_SIZE, &max_depth, "deepest level (0 = none; the report: 70 and 80)"},
      {"criterion", KIT_STRING, &criterion, "gini|entropy"},
      {"min-samples-split", KIT_SIZE, &min_split, "a node with fewer samples is a leaf"},
      {"min-samples-leaf", KIT_SIZE, &min_leaf, "samples each child keeps at least"},
      {"max-features", KIT_SIZE, &max_features, "candidate pixels per node (0 = sqrt(784) = 28)"},
      {"bootstrap", KIT_SIZE, &bootstrap, "1: each tree sees n draws with replacement"},
  };
  kit_parse_example(argc, argv, "Random forest of the report (Figure 5).", extra,
                    KIT_LEN(extra), &c);
  char st[32], sd[32], ss[32], sl[32], sf[32], sb[32], name[48];
  snprintf(st, sizeof st, "%zu", n_trees);
  snprintf(sd, sizeof sd, "%zu", max_depth);
  snprintf(ss, sizeof ss, "%zu", min_split);
  snprintf(sl, sizeof sl, "%zu", min_leaf);
  snprintf(sf, sizeof sf, "%zu", max_features);
  snprintf(sb, sizeof sb, "%zu", bootstrap);
  snprintf(name, sizeof name, "forest_%s", max_depth ? sd : "none");
  const char *kv[] = {"n_trees", st, "max_depth", max_depth ? sd : "none", "criterion", criterion,
                      "min_samples_split", ss, "min_samples_leaf", sl,
                      "max_features", max_features ? sf : "sqrt", "bootstrap", sb, NULL};
  return kit_classic_run("forest", name, kv, &c);
}
