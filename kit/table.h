/* Tables on stdout: the report's per-class table, and rows of figures. */
#ifndef FMNIST_KIT_TABLE_H
#define FMNIST_KIT_TABLE_H

#include <stddef.h>

#include <fmnist.h>

/* The report's Figure 3: per class name, label, precision, recall, F1 and
 * support, then accuracy, macro and weighted averages. */
void kit_print_class_table(const fmnist_metrics *m);

/* One row: label left-aligned in label_width, then each v[i] printed by
 * fmt[i] (a printf format of one double, with its leading space), or "n/a"
 * right-aligned in width where v[i] is NaN (a figure not measured). */
void kit_print_row(const char *label, int label_width, const double *v,
                   const char *const *fmt, size_t n, int width);

#endif
