/* Fuzz target: the text parsers: transform specs (applied to two images),
 * the corruption table's lookup, model options and the net layer spec
 * (and the net an accepted spec builds, as fmnist_net_layer describes
 * it). Input: "<selector byte><text>". */
#include <fmnist.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = {"layers", "max_depth", "C", "k", "seed", "lr", "criterion"};
static const char *const families[] = {"net", "forest", "logreg", "knn", "net", "net", "forest"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  char *text = malloc(size);
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  unsigned sel = data[0] % 8;
  if (sel == 7) {
    fmnist_transform *t;
    if (fmnist_transform_create(1, &t) == FMNIST_OK) {
      if (fmnist_transform_add_spec(t, text) == FMNIST_OK) {
        /* a flat image and one of edges everywhere: the ops' paths for both */
        uint8_t img[2 * FMNIST_PIXELS];
        memset(img, 128, FMNIST_PIXELS);
        for (size_t i = FMNIST_PIXELS; i < sizeof img; i++) img[i] = (uint8_t)(i * 37);
        fmnist_transform_apply(t, img, img, 2);
      }
      fmnist_transform_free(t);
    }
    /* the same text as a corruption kind, severity and buffer from its length */
    char spec[64];
    fmnist_corruption_spec(text, (int)(size % 7), spec, size % (sizeof spec + 1));
  } else {
    fmnist_model *m;
    if (fmnist_model_create(families[sel], &m) == FMNIST_OK) {
      char back[256];
      if (fmnist_model_set(m, keys[sel], text) == FMNIST_OK) {
        fmnist_model_get(m, keys[sel], back, sizeof back);
        size_t count;
        /* the net it builds, residual blocks' wiring and projections too:
         * a few layers, since each call builds the whole net */
        if (sel == 0 && fmnist_net_layer_count(m, &count) == FMNIST_OK && count) {
          const char *kind;
          size_t shape[3], params;
          uint64_t flops;
          fmnist_net_layer(m, count - 1, &kind, shape, &params, &flops);
          fmnist_net_layer(m, count / 2, &kind, shape, &params, &flops);
        }
      }
      if (sel == 0) fmnist_net_add_spec(m, text);
      fmnist_model_free(m);
    }
  }
  free(text);
  return 0;
}
