/* Image files (PGM parsed here, PNG through libpng) to 28x28 gray inputs. */
#include "data/image_impl.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/status.h"
#include "fmnist/dataset.h"
#include "fmnist/image.h"

/* Larger pictures are refused before decoding: a header cannot make us
 * allocate more than MAX_SIDE^2 bytes. */
#define MAX_SIDE 8192
#define MAX_FILE ((size_t)256 << 20)

/* Area-averages a w x h gray image (w, h >= 28) down to 28x28: each output
 * pixel is the mean of the source area it covers, partial pixels weighted. */
static void resize_area(const uint8_t *src, size_t w, size_t h, uint8_t *out) {
  for (size_t oy = 0; oy < FMNIST_SIDE; oy++)
    for (size_t ox = 0; ox < FMNIST_SIDE; ox++) {
      double y0 = (double)oy * h / FMNIST_SIDE, y1 = (double)(oy + 1) * h / FMNIST_SIDE;
      double x0 = (double)ox * w / FMNIST_SIDE, x1 = (double)(ox + 1) * w / FMNIST_SIDE;
      double sum = 0, area = 0;
      for (size_t y = (size_t)y0; (double)y < y1 && y < h; y++) {
        double wy = (y + 1 < y1 ? y + 1 : y1) - (y > y0 ? y : y0);
        for (size_t x = (size_t)x0; (double)x < x1 && x < w; x++) {
          double wx = (x + 1 < x1 ? x + 1 : x1) - (x > x0 ? x : x0);
          sum += wx * wy * src[y * w + x];
          area += wx * wy;
        }
      }
      out[oy * FMNIST_SIDE + ox] = (uint8_t)(sum / area + 0.5);
    }
}

/* PGM header token reader: skips white space and '#' comments. */
static int pgm_number(const uint8_t *d, size_t n, size_t *pos, unsigned long *v) {
  for (;;) {
    while (*pos < n && (d[*pos] == ' ' || d[*pos] == '\t' || d[*pos] == '\n' || d[*pos] == '\r'))
      (*pos)++;
    if (*pos < n && d[*pos] == '#') {
      while (*pos < n && d[*pos] != '\n') (*pos)++;
      continue;
    }
    break;
  }
  if (*pos >= n || d[*pos] < '0' || d[*pos] > '9') return 0;
  *v = 0;
  while (*pos < n && d[*pos] >= '0' && d[*pos] <= '9') {
    *v = *v * 10 + (unsigned long)(d[*pos] - '0');
    if (*v > 1000000) return 0;
    (*pos)++;
  }
  return 1;
}

static fmnist_status decode_pgm(const uint8_t *d, size_t n, const char *name, uint8_t **pix,
                                size_t *w, size_t *h) {
  int binary = d[1] == '5';
  size_t pos = 2;
  unsigned long width, height, maxval;
  if (!pgm_number(d, n, &pos, &width) || !pgm_number(d, n, &pos, &height) ||
      !pgm_number(d, n, &pos, &maxval))
    return fmnist__fail(FMNIST_E_FORMAT, "%s: bad PGM header (expected width height maxval)", name);
  if (maxval < 1 || maxval > 65535)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: PGM maxval %lu, expected 1..65535", name, maxval);
  if (width < FMNIST_SIDE || height < FMNIST_SIDE || width > MAX_SIDE || height > MAX_SIDE)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: image is %lux%lu, expected 28..%d on each side", name,
                        width, height, MAX_SIDE);
  size_t count = (size_t)width * height, bytes = maxval > 255 ? 2 : 1;
  if (binary) {
    pos++; /* the single white-space byte after maxval */
    if (pos > n || n - pos < count * bytes)
      return fmnist__fail(FMNIST_E_FORMAT, "%s: PGM data truncated: %zu of %zu bytes", name,
                          pos > n ? 0 : n - pos, count * bytes);
  }
  uint8_t *p = fmnist__alloc(count);
  if (!p) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", name);
  for (size_t i = 0; i < count; i++) {
    unsigned long v;
    if (binary) {
      v = bytes == 2 ? (unsigned long)d[pos + 2 * i] << 8 | d[pos + 2 * i + 1] : d[pos + i];
    } else if (!pgm_number(d, n, &pos, &v)) {
      fmnist__free(p);
      return fmnist__fail(FMNIST_E_FORMAT, "%s: PGM text data ends after %zu of %zu pixels", name,
                          i, count);
    }
    if (v > maxval) {
      fmnist__free(p);
      return fmnist__fail(FMNIST_E_FORMAT, "%s: pixel %zu is %lu, above maxval %lu", name, i, v,
                          maxval);
    }
    p[i] = (uint8_t)((v * 255 + maxval / 2) / maxval);
  }
  *pix = p;
  *w = width;
  *h = height;
  return FMNIST_OK;
}

/* libpng's simplified API allocates with its own malloc and reports every
 * failure as text only; its out-of-memory messages ("Out of memory",
 * "png_image_read: out of memory", "insufficient memory") are E_NOMEM, the
 * rest E_FORMAT. */
static fmnist_status png_failure(const char *message) {
  char low[sizeof ((png_image *)0)->message];
  size_t i = 0;
  for (; message[i] && i + 1 < sizeof low; i++)
    low[i] = (char)(message[i] >= 'A' && message[i] <= 'Z' ? message[i] - 'A' + 'a' : message[i]);
  low[i] = '\0';
  return strstr(low, "out of memory") || strstr(low, "insufficient memory") ? FMNIST_E_NOMEM
                                                                           : FMNIST_E_FORMAT;
}

static fmnist_status decode_png(const uint8_t *d, size_t n, const char *name, uint8_t **pix,
                                size_t *w, size_t *h) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, d, n))
    return fmnist__fail(png_failure(img.message), "%s: bad PNG: %s", name, img.message);
  if (img.width < FMNIST_SIDE || img.height < FMNIST_SIDE || img.width > MAX_SIDE ||
      img.height > MAX_SIDE) {
    fmnist_status s = fmnist__fail(FMNIST_E_FORMAT, "%s: image is %ux%u, expected 28..%d on each side",
                                   name, img.width, img.height, MAX_SIDE);
    png_image_free(&img);
    return s;
  }
  img.format = PNG_FORMAT_GRAY; /* libpng converts colour and composites alpha */
  png_color background = {255, 255, 255};
  uint8_t *p = fmnist__alloc(PNG_IMAGE_SIZE(img));
  if (!p) {
    png_image_free(&img);
    return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", name);
  }
  if (!png_image_finish_read(&img, &background, p, 0, NULL)) {
    fmnist__free(p);
    return fmnist__fail(png_failure(img.message), "%s: bad PNG data: %s", name, img.message);
  }
  *pix = p;
  *w = img.width;
  *h = img.height;
  return FMNIST_OK;
}

fmnist_status fmnist__image_decode(const uint8_t *data, size_t n, const char *name, int invert,
                                   uint8_t out[784]) {
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  uint8_t *pix = NULL;
  size_t w = 0, h = 0;
  fmnist_status s;
  if (n >= 8 && memcmp(data, png_sig, 8) == 0)
    s = decode_png(data, n, name, &pix, &w, &h);
  else if (n >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '2'))
    s = decode_pgm(data, n, name, &pix, &w, &h);
  else
    return fmnist__fail(FMNIST_E_FORMAT, "%s: not a PNG or PGM (P2/P5) image", name);
  if (s) return s;
  resize_area(pix, w, h, out);
  fmnist__free(pix);
  if (invert)
    for (size_t i = 0; i < FMNIST_PIXELS; i++) out[i] = (uint8_t)(255 - out[i]);
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_image_read(const char *path, int invert, uint8_t out[784]) {
  FMNIST__CHECK_ARG(path);
  FMNIST__CHECK_ARG(out);
  struct stat st;
  FILE *f = fopen(path, "rb");
  if (!f)
    return fmnist__fail(errno == ENOENT ? FMNIST_E_NOTFOUND : FMNIST_E_IO, "%s: cannot open: %s",
                        path, strerror(errno));
  fmnist_status s = FMNIST_OK;
  uint8_t *data = NULL;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
    s = fmnist__fail(FMNIST_E_IO, "%s: not a regular file", path);
  else if ((size_t)st.st_size > MAX_FILE)
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: %lld bytes, larger than any image we read", path,
                     (long long)st.st_size);
  else if (!(data = fmnist__alloc((size_t)st.st_size)))
    s = fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", path);
  else if (fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
    s = fmnist__fail(FMNIST_E_IO, "%s: read error", path);
  fclose(f);
  if (!s) {
    uint8_t img[FMNIST_PIXELS];
    s = fmnist__image_decode(data, (size_t)st.st_size, path, invert, img);
    if (!s) memcpy(out, img, sizeof img);
  }
  fmnist__free(data);
  return s;
}
