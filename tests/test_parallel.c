/* Data-parallel training of the net family (fmnist_net_set_data_parallel)
 * with the members of a group as threads of this process and a sum over
 * shared memory: the same weights on every member, one process's result,
 * also with the training features (SGD, a schedule with warm-up, label
 * smoothing, averaged weights), agreement checks, a cancel that stops
 * every member, and a setting that neither a clone nor a saved file
 * carries. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmnist.h"
#include "testutil.h"

enum { MAX_MEMBERS = 3 };

/* Every layer that behaves differently in a group: noise, dropout and
 * batch norm (with conv, so Winograd's training path too), and
 * augmentation. */
static const char *const spec =
    "noise:0.1 conv:8:3 bn relu pool:2 drop:0.3 conv:8:3 bn relu flatten dense:16 bn relu "
    "drop:0.2 dense:10";
/* And residual blocks: an identity skip, a projection with its own
 * (synchronised) bn, Winograd convs and dropout inside a branch. */
static const char *const resnet =
    "noise:0.1 conv:8:3 bn relu res( conv:8:3 bn relu drop:0.2 conv:8:3 bn ) relu pool:2 "
    "res( conv:16:3:2 bn relu conv:16:3 bn ) relu dense:10";

/* A group of threads: sum() waits for every member's buffer, adds them in
 * member order (so every member gets the same bits) and hands back the
 * total. */
typedef struct group {
  pthread_barrier_t barrier;
  size_t members;
  const float *buf[MAX_MEMBERS];
  size_t len[MAX_MEMBERS];
} group;

typedef struct member {
  group *g;
  size_t rank;
  fmnist_model *m;
  const fmnist_dataset *train, *valid;
  fmnist_status status;
  char message[512];
  size_t cancel_at_batch; /* 0: never */
} member;

static fmnist_status sum(void *user, float *buf, size_t len) {
  member *me = user;
  group *g = me->g;
  g->buf[me->rank] = buf;
  g->len[me->rank] = len;
  pthread_barrier_wait(&g->barrier);
  int same = 1;
  for (size_t r = 0; r < g->members; r++) same &= g->len[r] == len;
  float *total = calloc(len ? len : 1, sizeof *total);
  ck_assert_ptr_nonnull(total);
  if (same)
    for (size_t r = 0; r < g->members; r++)
      for (size_t i = 0; i < len; i++) total[i] += g->buf[r][i];
  pthread_barrier_wait(&g->barrier); /* every member has read every buffer */
  if (same) memcpy(buf, total, len * sizeof *buf);
  free(total);
  return same ? FMNIST_OK : fmnist_set_error(FMNIST_E_INVALID, "test sum: lengths differ");
}

static int cancel_progress(void *user, fmnist_stage stage, size_t done, size_t total) {
  (void)total;
  const member *me = user;
  return stage == FMNIST_STAGE_BATCH && done == me->cancel_at_batch;
}

static void *fit_member(void *arg) {
  member *me = arg;
  me->status = fmnist_model_fit(me->m, me->train, me->valid);
  snprintf(me->message, sizeof me->message, "%s", fmnist_last_error());
  return NULL;
}

/* Adam with eps = 1: with its default 1e-7 the first updates are about
 * lr * sign(gradient), so a gradient near 0 turns a float rounding of the
 * group's other summation order into a whole step (1e-5 grows to 2e-5 by
 * the 4th step); eps = 1 keeps the comparison about the sums. Then the
 * options of `features` (NULL: none). */
static fmnist_model *make_net(const char *batch, const char *layers, const char *features) {
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("net", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set_options(m, "threads=1 epochs=2 seed=7 eps=1 lr=0.01 augment=crop:2 flip:0.5"),
                   FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "layers", layers), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "batch", batch), FMNIST_OK);
  if (features) ck_assert_int_eq(fmnist_model_set_options(m, features), FMNIST_OK);
  return m;
}

/* Fits every member of a group of `members` on its own thread. */
static void fit_group(member *ms, size_t members, const fmnist_dataset *train,
                      const fmnist_dataset *valid, const char *const *batch,
                      const char *layers, const char *features) {
  group g = {.members = members};
  pthread_barrier_init(&g.barrier, NULL, (unsigned)members);
  pthread_t th[MAX_MEMBERS];
  for (size_t r = 0; r < members; r++) {
    ms[r].g = &g;
    ms[r].rank = r;
    ms[r].m = make_net(batch[r], layers, features);
    ms[r].train = train;
    ms[r].valid = valid;
    ck_assert_int_eq(fmnist_net_set_data_parallel(ms[r].m, r, members, sum, &ms[r]), FMNIST_OK);
    if (ms[r].cancel_at_batch)
      ck_assert_int_eq(fmnist_model_set_progress(ms[r].m, cancel_progress, &ms[r]), FMNIST_OK);
    ck_assert_int_eq(pthread_create(&th[r], NULL, fit_member, &ms[r]), 0);
  }
  for (size_t r = 0; r < members; r++) pthread_join(th[r], NULL);
  pthread_barrier_destroy(&g.barrier);
}

static float *parameters(const fmnist_model *m, size_t *count) {
  ck_assert_int_eq(fmnist_net_parameters(m, NULL, 0, count), FMNIST_OK);
  float *p = malloc(*count * sizeof *p);
  ck_assert_int_eq(fmnist_net_parameters(m, p, *count, count), FMNIST_OK);
  return p;
}

/* 53 training images: in batches of 16 the last holds 5 (uneven shares
 * for 3 members); in batches of 4 the last holds 1, so two of 3 members
 * have no image in that step. The training features run on every member
 * alike: each keeps the same optimizer state and the same average. */
static const struct {
  size_t members;
  const char *batch, *layers, *features;
} layouts[] = {
    {2, "16", spec, NULL},
    {3, "16", spec, NULL},
    {3, "4", spec, NULL},
    {2, "16", resnet, NULL},
    {3, "4", resnet, NULL},
    {3, "4", spec,
     "optimizer=sgd lr=0.01 weight_decay=0.01 lr_schedule=onecycle warmup=0.3 "
     "label_smoothing=0.1 ema_decay=0.8"},
    {2, "16", resnet, "label_smoothing=0.2 lr_schedule=linear warmup=0.2 ema_decay=0.5"},
};

START_TEST(group_equals_one_process) {
  fmnist_dataset *train = fmnist_test_stripes(53, 3), *valid = fmnist_test_stripes(21, 4);
  fmnist_model *alone = make_net(layouts[_i].batch, layouts[_i].layers, layouts[_i].features);
  ck_assert_int_eq(fmnist_model_fit(alone, train, valid), FMNIST_OK);
  size_t n;
  float *want = parameters(alone, &n);

  member ms[MAX_MEMBERS] = {{0}};
  const char *batch[MAX_MEMBERS] = {layouts[_i].batch, layouts[_i].batch, layouts[_i].batch};
  fit_group(ms, layouts[_i].members, train, valid, batch, layouts[_i].layers,
            layouts[_i].features);
  float *first = NULL;
  double diff2 = 0, norm2 = 0; /* squared norms of the difference and of one process's */
  for (size_t r = 0; r < layouts[_i].members; r++) {
    ck_assert_msg(ms[r].status == FMNIST_OK, "member %zu: %s", r, ms[r].message);
    size_t count;
    float *got = parameters(ms[r].m, &count);
    ck_assert_uint_eq(count, n);
    if (!first) {
      first = got;
      for (size_t i = 0; i < n; i++) {
        diff2 += ((double)got[i] - want[i]) * ((double)got[i] - want[i]);
        norm2 += (double)want[i] * want[i];
      }
    } else {
      ck_assert_msg(!memcmp(first, got, n * sizeof *got), "member %zu's weights differ from 0's",
                    r);
      free(got);
    }
    /* The history, and below the probabilities (which read the running
     * statistics batch norm summed over the group), to 1e-5 too. */
    for (int f = 0; f < FMNIST_HISTORY_SECONDS; f++) {
      double a, b;
      ck_assert_int_eq(fmnist_model_history(ms[r].m, 0, (fmnist_history_field)f, &a), FMNIST_OK);
      ck_assert_int_eq(fmnist_model_history(alone, 0, (fmnist_history_field)f, &b), FMNIST_OK);
      ck_assert_msg(fabs(a - b) <= 1e-5 * fabs(b), "history field %d: %g against %g", f, a, b);
    }
  }
  float got[21 * FMNIST_CLASSES], one[21 * FMNIST_CLASSES];
  ck_assert_int_eq(fmnist_model_proba(ms[0].m, fmnist_dataset_images(valid), 21, got), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(alone, fmnist_dataset_images(valid), 21, one), FMNIST_OK);
  for (int i = 0; i < 21 * FMNIST_CLASSES; i++) ck_assert_float_eq_tol(got[i], one[i], 1e-5);
  ck_assert_msg(sqrt(diff2) <= 1e-5 * sqrt(norm2), "weights differ from one process's by %g "
                "relative", sqrt(diff2 / norm2));
  for (size_t r = 0; r < layouts[_i].members; r++) fmnist_model_free(ms[r].m);
  free(first);
  free(want);
  fmnist_model_free(alone);
  fmnist_dataset_free(train);
  fmnist_dataset_free(valid);
}
END_TEST

START_TEST(members_must_agree) {
  fmnist_dataset *train = fmnist_test_stripes(40, 3);
  member ms[2] = {{0}};
  const char *batch[2] = {"8", "10"};
  fit_group(ms, 2, train, NULL, batch, spec, NULL);
  for (int r = 0; r < 2; r++) {
    ck_assert_int_eq(ms[r].status, FMNIST_E_INVALID);
    ck_assert_int_eq(fmnist_model_is_fitted(ms[r].m), 0);
    fmnist_model_free(ms[r].m);
  }
  ck_assert_ptr_nonnull(strstr(ms[1].message, "member 1"));
  fmnist_dataset_free(train);
}
END_TEST

START_TEST(cancel_stops_every_member) {
  fmnist_dataset *train = fmnist_test_stripes(40, 3);
  member ms[2] = {{0}};
  ms[1].cancel_at_batch = 2;
  const char *batch[2] = {"8", "8"};
  fit_group(ms, 2, train, NULL, batch, spec, NULL);
  ck_assert_msg(ms[1].status == FMNIST_E_CANCELLED, "%s", ms[1].message);
  ck_assert_msg(ms[0].status == FMNIST_E_PEER, "%s", ms[0].message);
  ck_assert_ptr_nonnull(strstr(ms[0].message, "another member of the data-parallel group was "
                                              "cancelled"));
  for (int r = 0; r < 2; r++) {
    ck_assert_int_eq(fmnist_model_is_fitted(ms[r].m), 0);
    fmnist_model_free(ms[r].m);
  }
  fmnist_dataset_free(train);
}
END_TEST

START_TEST(bad_arguments) {
  fmnist_model *knn, *net = make_net("8", spec, NULL);
  ck_assert_int_eq(fmnist_model_create("knn", &knn), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_set_data_parallel(knn, 0, 2, sum, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_net_set_data_parallel(net, 2, 2, sum, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_net_set_data_parallel(net, 0, 2, NULL, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_net_set_data_parallel(net, 0, 0, NULL, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_net_set_data_parallel(net, 0, 1, NULL, NULL), FMNIST_OK);
  size_t count;
  ck_assert_int_eq(fmnist_net_parameters(net, NULL, 0, &count), FMNIST_E_STATE);
  ck_assert_int_eq(fmnist_net_parameters(knn, NULL, 0, &count), FMNIST_E_INVALID);
  fmnist_dataset *train = fmnist_test_stripes(16, 3);
  ck_assert_int_eq(fmnist_model_set(net, "epochs", "1"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(net, train, NULL), FMNIST_OK);
  float one;
  ck_assert_int_eq(fmnist_net_parameters(net, &one, 1, &count), FMNIST_E_BUFFER);
  ck_assert_int_eq(fmnist_net_parameters(net, NULL, 0, &count), FMNIST_OK);
  ck_assert_uint_gt(count, 1000);
  fmnist_dataset_free(train);
  fmnist_model_free(knn);
  fmnist_model_free(net);
}
END_TEST

static fmnist_status never_sum(void *user, float *buf, size_t len) {
  (void)user;
  (void)buf;
  (void)len;
  ck_abort_msg("a model summed over a group it was not set to");
  return FMNIST_E_INVALID;
}

/* The group setting is the model's own: a clone of its options and a
 * model saved and loaded again train alone. */
START_TEST(setting_not_cloned_or_saved) {
  fmnist_model *m = make_net("8", spec, NULL), *clone, *loaded;
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "1"), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_set_data_parallel(m, 1, 2, never_sum, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_clone_config(m, &clone), FMNIST_OK);
  fmnist_dataset *train = fmnist_test_stripes(16, 3);
  ck_assert_int_eq(fmnist_model_fit(clone, train, NULL), FMNIST_OK);
  char path[4096];
  snprintf(path, sizeof path, "%s/net.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist_model_save(clone, path), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_load(path, &loaded), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(loaded, train, NULL), FMNIST_OK);
  fmnist_dataset_free(train);
  fmnist_model_free(loaded);
  fmnist_model_free(clone);
  fmnist_model_free(m);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("parallel");
  TCase *tc = tcase_create("group");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, group_equals_one_process, 0, sizeof layouts / sizeof layouts[0]);
  tcase_add_test(tc, members_must_agree);
  tcase_add_test(tc, cancel_stops_every_member);
  tcase_add_test(tc, setting_not_cloned_or_saved);
  tcase_add_test(tc, bad_arguments);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(suite)
