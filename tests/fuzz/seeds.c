/* Writes the seed corpus of one fuzz target into a directory: small valid
 * inputs (and a few near-misses) made here, so no binary blobs live in git.
 * Usage: seeds TARGET DIR */
#include <fmnist.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char *dir;

static void put(const char *name, const void *data, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || (n && fwrite(data, 1, n, f) != n)) {
    perror(path);
    exit(1);
  }
  fclose(f);
}

/* selector byte + IDX file, raw and gzip-compressed. */
static void put_idx(const char *name, uint8_t selector, const uint8_t *idx, size_t n) {
  static uint8_t buf[1 << 16];
  char gzname[256];
  buf[0] = selector;
  memcpy(buf + 1, idx, n);
  put(name, buf, n + 1);
  uLongf len = sizeof buf - 1;
  /* compress2 writes zlib, not gzip: frame it with gzip's header/trailer. */
  z_stream z = {0};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  z.next_in = (Bytef *)(uintptr_t)idx;
  z.avail_in = (uInt)n;
  z.next_out = buf + 1;
  z.avail_out = (uInt)len;
  deflate(&z, Z_FINISH);
  size_t out = z.total_out;
  deflateEnd(&z);
  snprintf(gzname, sizeof gzname, "%s.gz", name);
  put(gzname, buf, out + 1);
}

static void idx_seeds(void) {
  static uint8_t img[16 + 3 * 784];
  const uint8_t head[16] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28};
  memcpy(img, head, 16);
  for (size_t i = 16; i < sizeof img; i++) img[i] = (uint8_t)(i * 7);
  put_idx("images", 0, img, sizeof img);
  put_idx("images-truncated", 0, img, 100);
  const uint8_t labels[11] = {0, 0, 8, 1, 0, 0, 0, 3, 1, 9, 0};
  put_idx("labels", 1, labels, sizeof labels);
}

static void image_seeds(void) {
  static uint8_t pgm[64 + 784];
  int head = sprintf((char *)pgm, "P5\n28 28\n255\n");
  for (int i = 0; i < 784; i++) pgm[head + i] = (uint8_t)i;
  put("p5.pgm", pgm, (size_t)head + 784);
  put("p2.pgm", "P2\n# c\n28 28 3\n0 1 2 3\n", 23);
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = img.height = 30;
  img.format = PNG_FORMAT_RGBA;
  static uint8_t rgba[30 * 30 * 4];
  for (size_t i = 0; i < sizeof rgba; i++) rgba[i] = (uint8_t)(i * 13);
  static uint8_t mem[1 << 16];
  png_alloc_size_t size = sizeof mem;
  if (png_image_write_to_memory(&img, mem, &size, 0, rgba, 0, NULL)) put("rgba.png", mem, size);
}

/* selector byte + text. */
static void put_text(const char *name, uint8_t selector, const char *text) {
  char buf[512];
  buf[0] = (char)selector;
  size_t n = strlen(text);
  memcpy(buf + 1, text, n);
  put(name, buf, n + 1);
}

static void spec_seeds(void) {
  put_text("net", 0, "noise:0.1 conv:8:3 bn relu pool:2 drop:0.3 conv:4:3:2:valid tanh dense:16 sigmoid dense:10");
  put_text("depth", 1, "80");
  put_text("c", 2, "1e-3");
  put_text("k", 3, "7");
  put_text("seed", 4, "18446744073709551615");
  put_text("lr", 5, "0.001");
  put_text("criterion", 6, "entropy");
  put_text("net-spec", 0, "conv:16:5:2:valid pool:3 bn sigmoid flatten drop:0.5 dense:10");
  put_text("net-res", 0, "conv:8:3 bn relu res( conv:8:3 bn relu conv:8:3 bn ) relu res( "
                         "conv:16:3:2 bn:0.9:1e-5 relu drop:0.2 conv:16:3 bn ) relu pool:2 dense:16 "
                         "res( dense:16 tanh ) res( dense:8 ) dense:10");
  put_text("net-res-bad", 0, "res( res( pool:3 ) ) ) res(conv:4:3 res( ) dense:10");
  put_text("tf", 7, "noise:25 saltpepper:0.1 shift:2 flip:0.5 rotate:15 blur:1 occlude:8 contrast:1.5 brightness:-20");
  put_text("tf-noise-blur", 7, "shot_noise:30 speckle_noise:40:0.5 gaussian_noise:5..20 impulse_noise:0.02 "
                              "defocus_blur:1..3 motion_blur:2 glass_blur:0.6 zoom_blur:0.2 gaussian_blur:0.5");
  put_text("tf-geometry", 7, "translate:0..3 shear:20 scale:0.7..1.3 affine:3 elastic_transform:30 vflip:0.5 "
                            "rot90:1..3 transpose:0.5 crop:2");
  put_text("tf-photo-digital", 7, "gamma:0.5..2 invert:0.5 fog:1 posterize:3 pixelate:0.4 jpeg_compression:10..60");
  put_text("tf-occlusion", 7, "erase:0.02..0.33:0.5 erase_random:0.2 cutout:10 stripe:3 dotted_line:2 zigzag:2 "
                             "spatter:0.2");
  put_text("tf-mix", 7, "augmix:3:0.9:width=3:depth=1..3:alpha=1:except=noise randaugment:2:n=2:from=blur,digital");
  put_text("tf-kind", 7, "elastic_transform");
}

/* A model's file as seeds: selector byte (fuzz_model.c: bit 0 fixes
 * length and CRC, bit 1 loads through a file) + the model's bytes, with
 * selectors below `selectors`. */
static void put_model(const char *family, const fmnist_model *m, uint8_t selectors) {
  static uint8_t file[1 << 18];
  size_t n;
  if (fmnist_model_save_buffer(m, file + 1, sizeof file - 1, &n)) exit(1);
  char name[64];
  for (uint8_t sel = 0; sel < selectors; sel++) {
    file[0] = sel;
    snprintf(name, sizeof name, "%s%s.fmm", family,
             sel == 1 ? "-fixcrc" : sel == 2 ? "-file" : "");
    put(name, file, n + 1);
  }
}

/* Tiny fitted models of each family, and an ensemble of two of them,
 * saved as model files. The KNN keeps KNN_N of the images: loading one
 * computes a principal basis with an axis per image (knn.c), which under
 * the fuzzer's sanitizers takes ~0.1 s for 10 images and ~0.7 s for 40,
 * and every valid mutant of the seed pays it again. */
static void model_seeds(void) {
  enum { N = 40, KNN_N = 10 };
  static uint8_t img[N * FMNIST_PIXELS], lab[N];
  for (size_t i = 0; i < sizeof img; i++) img[i] = (uint8_t)((i * 2654435761u) >> 24);
  for (int i = 0; i < N; i++) lab[i] = (uint8_t)(i % 10);
  fmnist_dataset *ds, *few;
  if (fmnist_dataset_from_memory(img, lab, N, &ds) ||
      fmnist_dataset_from_memory(img, lab, KNN_N, &few))
    exit(1);
  const char *setups[][3] = {{"logreg", "max_iter", "3"}, {"knn", "k", "3"},
                             {"forest", "n_trees", "3"}, {"net", "layers", "conv:2:3 relu pool:2 dense:10"}};
  fmnist_model *m[4];
  for (int f = 0; f < 4; f++) {
    if (fmnist_model_create(setups[f][0], &m[f]) ||
        fmnist_model_set(m[f], setups[f][1], setups[f][2]) ||
        (f == 3 && fmnist_model_set(m[f], "epochs", "1")) ||
        fmnist_model_fit(m[f], f == 1 ? few : ds, NULL)) {
      fprintf(stderr, "seeds: %s: %s\n", setups[f][0], fmnist_last_error());
      exit(1);
    }
    put_model(setups[f][0], m[f], 3);
  }
  const fmnist_model *pair[2] = {m[0], m[3]};
  fmnist_model *e;
  if (fmnist_ensemble_create(pair, 2, &e)) exit(1);
  put_model("ensemble", e, 3);
  fmnist_model_free(e);
  for (int f = 0; f < 4; f++) fmnist_model_free(m[f]);
  fmnist_dataset_free(ds);
  fmnist_dataset_free(few);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: seeds TARGET DIR\n");
    return 2;
  }
  dir = argv[2];
  if (!strcmp(argv[1], "fuzz_idx")) idx_seeds();
  else if (!strcmp(argv[1], "fuzz_image")) image_seeds();
  else if (!strcmp(argv[1], "fuzz_spec")) spec_seeds();
  else if (!strcmp(argv[1], "fuzz_model")) model_seeds();
  return 0;
}
