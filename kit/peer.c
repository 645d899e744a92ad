/* A benchmark's peer (see peer.h). */
#include "kit/peer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_file(const char *dir, const char *name, const void *p, size_t n) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "error: cannot write %s\n", path);
    exit(1);
  }
}

static const char *const split_files[] = {"train_x.u8", "train_y.u8", "test_x.u8", "test_y.u8"};

static void write_set(const char *dir, const char *name, const fmnist_dataset *ds) {
  char file[64];
  size_t n = fmnist_dataset_count(ds);
  snprintf(file, sizeof file, "%s_x.u8", name);
  write_file(dir, file, fmnist_dataset_images(ds), n * FMNIST_PIXELS);
  snprintf(file, sizeof file, "%s_y.u8", name);
  write_file(dir, file, fmnist_dataset_labels(ds), n);
}

void kit_split_keep(const char *dir, const kit_data *d, const char *layers) {
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "error: cannot create %s: %s\n", dir, strerror(errno));
    exit(1);
  }
  write_set(dir, "train", d->train);
  write_set(dir, "valid", d->valid);
  write_set(dir, "test", d->test);
  if (layers) write_file(dir, "layers.txt", layers, strlen(layers));
}

/* Writes d->train and d->test into a fresh temporary directory for a peer;
 * returns the directory (static storage). */
static const char *write_split(const kit_data *d) {
  static char dir[512];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/fmnist-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    fprintf(stderr, "error: cannot create %s\n", dir);
    exit(1);
  }
  write_set(dir, "train", d->train);
  write_set(dir, "test", d->test);
  return dir;
}

static void remove_split(const char *dir) {
  char path[600];
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, split_files[i]);
    remove(path);
  }
  rmdir(dir);
}

static int run_peer(const kit_common *c, const char *args, kit_side *out) {
  char cmd[4096], line[1024];
  snprintf(cmd, sizeof cmd, "%s %s %s", c->python, c->script, args);
  fprintf(stderr, "peer: %s\n", cmd);
  FILE *p = popen(cmd, "r");
  int found = 0;
  *out = kit_side_none();
  if (!p) {
    fprintf(stderr, "peer: cannot run %s\n", cmd);
    return 0;
  }
  while (fgets(line, sizeof line, p)) {
    if (strncmp(line, "PEER ", 5) != 0) continue;
    found = 1;
    char *save = NULL;
    for (char *tok = strtok_r(line + 5, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
      char *eq = strchr(tok, '=');
      if (!eq) continue;
      *eq = '\0';
      double v = strtod(eq + 1, NULL);
      if (strcmp(tok, "fit_s") == 0) out->fit_s = v;
      else if (strcmp(tok, "predict_s") == 0) out->predict_s = v;
      else if (strcmp(tok, "accuracy") == 0) out->accuracy = v;
      else if (strcmp(tok, "macro_f1") == 0) out->macro_f1 = v;
      else if (strcmp(tok, "rss_mb") == 0) out->rss_mb = v;
      else {
        size_t used = strlen(out->extra);
        snprintf(out->extra + used, sizeof out->extra - used, " peer_%s=%s", tok, eq + 1);
      }
    }
  }
  int rc = pclose(p);
  if (!found || rc != 0) {
    fprintf(stderr, "peer: failed (exit status %d)\n", rc);
    return 0;
  }
  return 1;
}

int kit_peer(const kit_common *c, const kit_data *d, kit_side *out, const char *fmt, ...) {
  char args[3072];
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  const char *dir = write_split(d);
  if (len > 0 && (size_t)len < sizeof args)
    snprintf(args + len, sizeof args - (size_t)len, " --dir %s --threads %zu --seed %llu", dir,
             c->threads, (unsigned long long)c->seed);
  int ok = run_peer(c, args, out);
  remove_split(dir);
  return ok;
}
