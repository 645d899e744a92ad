/* The final "RESULT key=value ..." line of an example. */
#ifndef FMNIST_KIT_RESULT_H
#define FMNIST_KIT_RESULT_H

#include <stddef.h>

typedef struct kit_result {
  char buf[1024];
  size_t len;
} kit_result;
void kit_result_init(kit_result *r);
void kit_result_str(kit_result *r, const char *key, const char *value); /* NULL: "none" */
void kit_result_int(kit_result *r, const char *key, long long value);
void kit_result_double(kit_result *r, const char *key, double value); /* %.6g, NaN: nan */
/* Prints the line on stdout (the progress bar erased first). */
void kit_result_print(const kit_result *r);

#endif
