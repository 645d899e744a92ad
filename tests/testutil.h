/* Shared helpers of the Check suites. */
#ifndef FMNIST_TESTUTIL_H
#define FMNIST_TESTUTIL_H

#include <check.h>
#include <stdlib.h>

/* Each tests/<name>.c defines one suite and ends with this main. */
#define FMNIST_TEST_MAIN(make_suite)                          \
  int main(void) {                                            \
    SRunner *sr = srunner_create(make_suite());               \
    srunner_run_all(sr, CK_NORMAL);                           \
    int failed = srunner_ntests_failed(sr);                   \
    srunner_free(sr);                                         \
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;              \
  }

/* A fresh scratch directory for files a test writes (under
 * $FMNIST_TEST_DIR or /tmp); the returned path is static. The process that
 * made it removes it with everything inside at exit (each forked test
 * process its own); FMNIST_TEST_KEEP=1 keeps it for a post-mortem. A test
 * process killed by a signal or a timeout leaves its directory behind. */
const char *fmnist_test_dir(void);
/* Writes n bytes to dir/name; returns the full path (static buffer of 4
 * rotating slots, so up to four paths stay valid at once). */
const char *fmnist_test_write(const char *name, const void *data, size_t n);
/* gzip-compresses data into dir/name (through zlib's gz* API, which is
 * independent of the library's own inflate path). */
const char *fmnist_test_write_gz(const char *name, const void *data, size_t n);

#endif
