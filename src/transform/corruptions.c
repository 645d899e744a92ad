/* The corruption benchmark's one home: each kind of image change, its
 * family and its spec at severities 1..5, for the robustness study, the
 * mixing constructs and the Python package alike. */
#include <stdio.h>
#include <string.h>

#include "base/lexer.h"
#include "base/status.h"
#include "transform/transform_impl.h"

/* Values adapted to 28 x 28 grey images from ImageNet-C and CIFAR-10-C
 * (Hendrycks and Dietterich 2019), MNIST-C (Mu and Gilmer 2019) and random
 * erasing (Zhong et al. 2017); docs/guide.md section 5.3 gives each source.
 * Severity 0 is the op's identity value (JPEG: quality 100, the least
 * loss), the start the constructs interpolate from. Appending a kind or
 * changing a value changes published robustness figures: say so in
 * CHANGELOG.md. */
const fmnist__corruption fmnist__corruptions[] = {
    {"gaussian_noise", "noise", {0, 15, 25, 38, 55, 75}},
    {"shot_noise", "noise", {0, 25, 35, 50, 70, 100}},
    {"impulse_noise", "noise", {0, 0.02, 0.05, 0.09, 0.15, 0.25}},
    {"speckle_noise", "noise", {0, 25, 50, 75, 110, 150}},
    {"gaussian_blur", "blur", {0, 0.5, 0.75, 1, 1.5, 2}},
    {"defocus_blur", "blur", {0, 0.75, 1.25, 1.75, 2.25, 3}},
    {"motion_blur", "blur", {0, 1, 1.5, 2, 3, 4}},
    {"glass_blur", "blur", {0, 0.3, 0.45, 0.6, 0.8, 1}},
    {"zoom_blur", "blur", {0, 0.06, 0.11, 0.16, 0.21, 0.26}},
    {"rotate", "geometry", {0, 15, 30, 45, 60, 90}},
    {"shear", "geometry", {0, 10, 20, 30, 40, 50}},
    {"scale", "geometry", {1, 0.9, 0.8, 0.7, 0.6, 0.5}},
    {"translate", "geometry", {0, 1, 2, 3, 4, 5}},
    {"elastic_transform", "geometry", {0, 10, 17, 25, 35, 45}},
    {"brightness", "photometric", {0, 25.5, 51, 76.5, 102, 127.5}},
    {"contrast", "photometric", {1, 0.75, 0.5, 0.4, 0.3, 0.15}},
    {"gamma", "photometric", {1, 1.5, 2, 2.5, 3, 4}},
    {"fog", "photometric", {0, 0.3, 0.5, 0.75, 1, 1.5}},
    {"occlude", "occlusion", {0, 6, 9, 12, 15, 18}},
    {"erase", "occlusion", {0, 0.05, 0.1, 0.2, 0.3, 0.4}},
    {"stripe", "occlusion", {0, 2, 3, 4, 5, 7}},
    {"dotted_line", "occlusion", {0, 1, 2, 3, 4, 5}},
    {"zigzag", "occlusion", {0, 1, 2, 3, 4, 5}},
    {"spatter", "occlusion", {0, 0.04, 0.08, 0.12, 0.18, 0.25}},
    {"pixelate", "digital", {1, 0.8, 0.65, 0.5, 0.4, 0.3}},
    {"jpeg_compression", "digital", {100, 50, 30, 20, 12, 7}},
    {"posterize", "digital", {8, 5, 4, 3, 2, 1}},
};
#define KINDS (sizeof fmnist__corruptions / sizeof fmnist__corruptions[0])
_Static_assert(KINDS <= FMNIST__CORRUPTION_MAX, "a set of kinds fits FMNIST__CORRUPTION_MAX");
const size_t fmnist__corruption_kinds = KINDS;

const char *const fmnist__corruption_families[] = {"noise",     "blur",      "geometry",
                                                   "photometric", "occlusion", "digital"};
const size_t fmnist__corruption_family_count =
    sizeof fmnist__corruption_families / sizeof fmnist__corruption_families[0];

double fmnist__corruption_value(const fmnist__corruption *c, double severity) {
  if (!(severity > 0)) return c->level[0];
  if (severity >= FMNIST_SEVERITIES) return c->level[FMNIST_SEVERITIES];
  int s = (int)severity;
  double f = severity - s;
  return c->level[s] + f * (c->level[s + 1] - c->level[s]);
}

FMNIST_API size_t fmnist_corruption_count(void) { return fmnist__corruption_kinds; }

FMNIST_API const char *fmnist_corruption_name(size_t i) {
  return i < fmnist__corruption_kinds ? fmnist__corruptions[i].name : NULL;
}

FMNIST_API const char *fmnist_corruption_family(size_t i) {
  return i < fmnist__corruption_kinds ? fmnist__corruptions[i].family : NULL;
}

FMNIST_API fmnist_status fmnist_corruption_spec(const char *name, int severity, char *buf,
                                                size_t len) {
  FMNIST__CHECK_ARG(name);
  FMNIST__CHECK_ARG(buf);
  const fmnist__corruption *c = NULL;
  for (size_t i = 0; i < fmnist__corruption_kinds && !c; i++)
    if (strcmp(fmnist__corruptions[i].name, name) == 0) c = &fmnist__corruptions[i];
  if (!c)
    return fmnist__fail(FMNIST_E_OPTION,
                        "fmnist_corruption_spec: unknown kind '%.64s' (fmnist_corruption_name "
                        "lists the %zu kinds)",
                        name, fmnist__corruption_kinds);
  if (severity < 1 || severity > FMNIST_SEVERITIES)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_corruption_spec: severity %d is outside 1..%d",
                        severity, FMNIST_SEVERITIES);
  char text[FMNIST__LEX_MAX_TOKEN + 1];
  int n = snprintf(text, sizeof text, "%s:%g", c->name, c->level[severity]);
  if ((size_t)n >= len)
    return fmnist__fail(FMNIST_E_BUFFER, "fmnist_corruption_spec: %s needs %d bytes, buffer has %zu",
                        text, n + 1, len);
  memcpy(buf, text, (size_t)n + 1);
  return FMNIST_OK;
}
