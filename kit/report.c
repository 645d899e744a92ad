/* The report's models (options and architectures) and its Figure 5 figures. */
#include "kit/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/progress.h"
#include "kit/text.h"

/* Figure 5 of the report: each row's model is the library's preset of the
 * same name (fmnist_model_create_preset), beside the report's figures. */
static const kit_report_model rows[] = {
    {"logreg_1000", "Logistic Regression n_iters=1000", "", NULL, "", 0.84, 0.84, 0.84, 1},
    {"logreg_5000", "Logistic Regression n_iters=5000", "", NULL, "", 0.84, 0.84, 0.84, 1},
    {"knn_5", "KNN n_neighbours=5", "", NULL, "", 0.86, 0.85, 0.85, 0},
    {"knn_7", "KNN n_neighbours=7", "", NULL, "", 0.86, 0.85, 0.85, 0},
    {"forest_70", "Random Forest max_depth=70", "", NULL, "", 0.88, 0.88, 0.88, 0},
    {"forest_80", "Random Forest max_depth=80", "", NULL, "", 0.88, 0.88, 0.88, 0},
    {"dense", "Linear Neural Network", "", NULL, "", 0.82, 0.84, 0.82, 0},
    {"cnn_single", "CNN (single conv2d layer)", "", NULL, "", 0.89, 0.89, 0.89, 1},
    {"cnn_three", "CNN (three layers)", "Dropout (0.3)", NULL, "", 0.89, 0.89, 0.89, 1},
    {"cnn_three_nbn", "CNN (three layers)", "Dropout, noise (0.1), batch norm", NULL, "", 0.92, 0.92,
     0.92, 1},
    {"cnn_final", "CNN (four layers)", "Dropout, noise (0.1), batch norm", NULL, "", 0.93, 0.93, 0.93,
     1},
};

const kit_report_model *kit_report_models(size_t *n) {
  *n = sizeof rows / sizeof rows[0];
  return rows;
}

const kit_report_model *kit_report_find(const char *name) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (!strcmp(rows[i].name, name)) return &rows[i];
  fprintf(stderr, "unknown model '%s'; the report's models are:", name);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) fprintf(stderr, " %s", rows[i].name);
  fputc('\n', stderr);
  return NULL;
}

const char *kit_report_layers(const char *name) {
  static struct {
    char name[32], layers[1024];
  } cache[16]; /* the nets' specs, read once */
  static size_t cached;
  for (size_t i = 0; i < cached; i++)
    if (!strcmp(cache[i].name, name)) return cache[i].layers;
  fmnist_model *m;
  if (cached == sizeof cache / sizeof cache[0] || strlen(name) >= sizeof cache[0].name) exit(2);
  kit_check(fmnist_model_create_preset(name, &m));
  kit_check(fmnist_model_get(m, "layers", cache[cached].layers, sizeof cache[cached].layers));
  fmnist_model_free(m);
  strcpy(cache[cached].name, name);
  return cache[cached++].layers;
}

char *kit_spec_edit(const char *spec, const char *kind, const char *token) {
  size_t len = strlen(spec) + 1, kl = strlen(kind), tl = token ? strlen(token) : 0;
  size_t count = 1; /* tokens of spec, at most */
  for (const char *p = spec; *p; p++) count += *p == ' ';
  char *out = kit_alloc(len + count * (tl + 1), 1), *o = out;
  for (const char *p = spec; *p;) {
    while (*p == ' ') p++;
    size_t n = strcspn(p, " ");
    if (!n) break;
    int match = strncmp(p, kind, kl) == 0 && (n == kl || p[kl] == ':');
    const char *put = match ? token : p;
    size_t put_len = match ? tl : n;
    if (put && put_len) {
      if (o != out) *o++ = ' ';
      memcpy(o, put, put_len);
      o += put_len;
    }
    p += n;
  }
  *o = '\0';
  return out;
}

fmnist_model *kit_report_create(const kit_report_model *row, const kit_common *c, size_t epochs) {
  fmnist_model *m;
  kit_check(fmnist_model_create_preset(row->preset ? row->preset : row->name, &m));
  kit_check(fmnist_model_set_options(m, row->options));
  kit_set(m, "seed", "%llu", (unsigned long long)c->seed);
  kit_set(m, "threads", "%zu", c->threads);
  if (!strcmp(fmnist_model_family(m), "net") && epochs) kit_set(m, "epochs", "%zu", epochs);
  kit_check(fmnist_model_set_progress(m, kit_progress, NULL));
  return m;
}

fmnist_model *kit_report_fit(const kit_report_model *row, const kit_common *c, size_t epochs,
                             const kit_data *d, const char *cache_dir, double *fit_s) {
  char path[1024];
  struct stat st;
  fmnist_model *m;
  *fit_s = 0;
  if (cache_dir) {
    snprintf(path, sizeof path, "%s/%s.fmm", cache_dir, row->name);
    if (stat(path, &st) == 0) {
      kit_check(fmnist_model_load(path, &m));
      fprintf(stderr, "%s: loaded %s\n", row->name, path);
      return m;
    }
  }
  m = kit_report_create(row, c, epochs);
  double t0 = kit_now();
  kit_check(fmnist_model_fit(m, d->train, d->valid));
  *fit_s = kit_now() - t0;
  kit_progress_clear();
  if (cache_dir) {
    mkdir(cache_dir, 0777);
    kit_check(fmnist_model_save(m, path));
  }
  return m;
}

size_t kit_report_select(const char *list, const kit_report_model **out, size_t cap) {
  size_t n = 0, total;
  const kit_report_model *all = kit_report_models(&total);
  char *copy = kit_format("%s", list), *save = NULL;
  for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    int every = !strcmp(name, "all"), fast = !strcmp(name, "fast");
    for (size_t i = 0; (every || fast) && i < total; i++)
      if ((every || !all[i].slow) && n < cap) out[n++] = &all[i];
    if (every || fast) continue;
    const kit_report_model *row = kit_report_find(name);
    if (!row) exit(2);
    if (n < cap) out[n++] = row;
  }
  free(copy);
  return n;
}
