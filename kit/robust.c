/* The output of a robustness study (see robust.h). */
#include "kit/robust.h"

#include <stdlib.h>
#include <string.h>

#include "kit/check.h"
#include "kit/plot.h"
#include "kit/text.h"

void kit_study_open(kit_study *s, const kit_common *c, const kit_corruption *corr,
                    size_t n_corr) {
  *s = (kit_study){.corr = corr, .n_corr = n_corr, .n_specs = n_corr * KIT_SEVERITIES};
  s->specs = kit_alloc(s->n_specs, sizeof *s->specs);
  for (size_t k = 0; k < n_corr; k++)
    for (size_t v = 0; v < KIT_SEVERITIES; v++)
      s->specs[k * KIT_SEVERITIES + v] = kit_format("%s:%g", corr[k].op, corr[k].level[v]);
  s->csv_path = kit_format("%s", kit_out_path(c, "robustness.csv"));
  s->csv = kit_csv_open(s->csv_path, "model,corruption,severity,level,accuracy");
}

double kit_study_add(kit_study *s, const char *name, const char *label, const double *acc) {
  if (s->n_models == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 8;
    const char **more = kit_alloc(s->cap, sizeof *more);
    if (s->n_models) memcpy(more, s->models, s->n_models * sizeof *more);
    free(s->models);
    s->models = more;
  }
  s->models[s->n_models++] = name;
  printf("\n%s (%s)\n%-28s", label, name, "corruption \\ severity");
  for (size_t v = 0; v < KIT_SEVERITIES; v++) printf(" %7zu", v);
  printf("\n");
  double sum = 0;
  for (size_t k = 0; k < s->n_corr; k++) {
    printf("%-28s", s->corr[k].name);
    for (size_t v = 0; v < KIT_SEVERITIES; v++) {
      double a = acc[k * KIT_SEVERITIES + v];
      printf(" %7.4f", a);
      if (v) sum += a;
      fprintf(s->csv, "%s,%s,%zu,%g,%.4f\n", name, s->corr[k].op, v, s->corr[k].level[v], a);
    }
    printf("\n");
  }
  double mean = sum / (double)(s->n_corr * (KIT_SEVERITIES - 1));
  printf("%-28s %7.4f (mean over severities 1..%d of every corruption)\n", "mean corrupted", mean,
         KIT_SEVERITIES - 1);
  return mean;
}

void kit_study_close(kit_study *s, const kit_common *c) {
  fclose(s->csv);
  /* One panel per corruption: accuracy vs severity, a line per model. */
  const char *png = kit_out_path(c, "robustness.png");
  kit_text script = {0};
  kit_text_add(&script,
               "set terminal pngcairo noenhanced size 1400,900 font ',9'\nset output '%s'\n"
               "set multiplot layout 2,4 title 'Test accuracy under corruption'\n"
               "set yrange [0:1]\nset xlabel 'severity'\nset key bottom left\n",
               png);
  for (size_t k = 0; k < s->n_corr; k++) {
    kit_text_add(&script, "set title '%s'\nplot ", s->corr[k].name);
    for (size_t i = 0; i < s->n_models; i++)
      kit_text_add(&script,
                   "%s'%s' using (strcol(2) eq '%s' && strcol(1) eq '%s' ? $3 : 1/0):5 "
                   "with linespoints title '%s'",
                   i ? ", " : "", s->csv_path, s->corr[k].op, s->models[i], s->models[i]);
    kit_text_add(&script, "\n");
  }
  kit_text_add(&script, "unset multiplot\n");
  if (kit_plot(png, script.s)) printf("\nplot: %s\n", png);
  free(script.s);
  for (size_t i = 0; i < s->n_specs; i++) free((char *)s->specs[i]);
  free(s->specs);
  free(s->csv_path);
  free(s->models);
}
