/* IDX file reader, raw or gzip (zlib inflate through the library allocator). */
#include "data/idx.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "base/alloc.h"
#include "base/status.h"

/* IDX magic: two zero bytes, a type byte (0x08 = unsigned byte), and the
 * number of dimensions. */
#define IDX_TYPE_UBYTE 0x08
#define IMAGE_MAGIC 0x00000803u
#define LABEL_MAGIC 0x00000801u
/* Compressed bytes read from the file per fread. */
#define IN_CHUNK 65536
/* Output chunk when decoding only to count (no destination yet). */
#define DROP_CHUNK 16384
/* Deflate cannot expand data more than 1032:1 (zlib FAQ, "maximum
 * compression ratio"), so a gzip file of n bytes never holds more than
 * 1032 * n bytes: a header announcing more is a lie we catch for free. */
#define DEFLATE_MAX_RATIO 1032u

struct fmnist__idx {
  const char *path;
  fmnist__idx_kind kind;
  FILE *f;
  uint64_t file_size;
  int gz;
  /* Header, once read: total is what it announces, header included. */
  size_t header_size;
  uint32_t count;
  uint64_t total;
  /* Uncompressed bytes delivered so far (header included). */
  uint64_t produced;
  /* gzip only. */
  z_stream zs;
  int z_live;          /* inflateInit2 succeeded: inflateEnd is owed */
  unsigned char *in;   /* IN_CHUNK compressed bytes */
  uint64_t read_total; /* compressed bytes read from the file so far */
  int in_eof;          /* the file has no more compressed bytes */
  int done;            /* clean end of the last gzip member */
  int new_member;      /* after a member ended and before the next one made
                          output: errors here mean garbage after the stream */
  uint64_t member_at;  /* file offset where that next member starts */
  int isize_known;
  uint32_t isize; /* gzip trailer: uncompressed size mod 2^32 */
};

static const char *noun(const fmnist__idx *x) {
  return x->kind == FMNIST__IDX_IMAGES ? "images" : "labels";
}

static uint32_t kind_magic(fmnist__idx_kind kind) {
  return kind == FMNIST__IDX_IMAGES ? IMAGE_MAGIC : LABEL_MAGIC;
}

static size_t item_size(fmnist__idx_kind kind) {
  return kind == FMNIST__IDX_IMAGES ? 784 : 1;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

static const char *errno_text(int err, char *buf, size_t n) {
  /* XSI strerror_r (we define _POSIX_C_SOURCE, not _GNU_SOURCE): strerror
   * itself is not thread-safe. */
  if (strerror_r(err, buf, n) != 0) snprintf(buf, n, "error %d", err);
  return buf;
}

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  size_t n;
  (void)opaque;
  if (!fmnist__mul_ok(items, size, &n)) return Z_NULL;
  return fmnist__alloc(n);
}

static void z_free(voidpf opaque, voidpf p) {
  (void)opaque;
  fmnist__free(p);
}

static fmnist_status truncated_data(const fmnist__idx *x) {
  return fmnist__fail(FMNIST_E_FORMAT,
                      "%s: truncated: ends after %llu of %llu bytes "
                      "(header: %lu %s of %s)",
                      x->path, (unsigned long long)x->produced,
                      (unsigned long long)x->total, (unsigned long)x->count,
                      noun(x), x->kind == FMNIST__IDX_IMAGES ? "28x28" : "1 byte");
}

static fmnist_status trailing_data(const fmnist__idx *x, uint64_t extra) {
  return fmnist__fail(FMNIST_E_FORMAT,
                      "%s: %llu bytes of trailing data after the %llu bytes "
                      "the header announces (%lu %s)",
                      x->path, (unsigned long long)extra,
                      (unsigned long long)x->total, (unsigned long)x->count,
                      noun(x));
}

static fmnist_status trailing_garbage(const fmnist__idx *x) {
  return fmnist__fail(FMNIST_E_FORMAT,
                      "%s: %llu bytes of trailing garbage after the gzip "
                      "stream (at offset %llu)",
                      x->path, (unsigned long long)(x->file_size - x->member_at),
                      (unsigned long long)x->member_at);
}

static fmnist_status truncated_gzip(const fmnist__idx *x) {
  if (x->new_member) return trailing_garbage(x);
  if (x->total == 0)
    return fmnist__fail(FMNIST_E_FORMAT,
                        "%s: gzip stream truncated: ends after %llu bytes, "
                        "inside the IDX header",
                        x->path, (unsigned long long)x->produced);
  if (x->produced < x->total)
    return fmnist__fail(FMNIST_E_FORMAT,
                        "%s: gzip stream truncated: ends after %llu of %llu "
                        "bytes",
                        x->path, (unsigned long long)x->produced,
                        (unsigned long long)x->total);
  return fmnist__fail(FMNIST_E_FORMAT,
                      "%s: gzip stream truncated after %llu bytes, before "
                      "its trailer",
                      x->path, (unsigned long long)x->produced);
}

static fmnist_status refill(fmnist__idx *x) {
  size_t r = fread(x->in, 1, IN_CHUNK, x->f);
  if (r < IN_CHUNK) {
    if (ferror(x->f)) {
      char buf[128];
      return fmnist__fail(FMNIST_E_IO, "%s: read error after %llu bytes: %s",
                          x->path, (unsigned long long)(x->read_total + r),
                          errno_text(errno, buf, sizeof buf));
    }
    x->in_eof = 1;
  }
  x->zs.next_in = x->in;
  x->zs.avail_in = (uInt)r;
  x->read_total += r;
  return FMNIST_OK;
}

/* A gzip member ended. gzip(1) reads whatever follows as another member
 * (files made by `cat a.gz b.gz`), so do the same; anything that is not a
 * member is reported as trailing garbage by the caller's next inflate. */
static fmnist_status member_end(fmnist__idx *x) {
  if (x->zs.avail_in == 0 && !x->in_eof) {
    fmnist_status st = refill(x);
    if (st != FMNIST_OK) return st;
  }
  if (x->zs.avail_in == 0) {
    x->done = 1;
    return FMNIST_OK;
  }
  x->member_at = x->read_total - x->zs.avail_in;
  x->new_member = 1;
  if (inflateReset(&x->zs) != Z_OK)
    return fmnist__fail(FMNIST_E_IO, "%s: zlib inflateReset failed", x->path);
  return FMNIST_OK;
}

/* Reads up to n uncompressed bytes into dst, or only counts them when dst
 * is NULL; *got < n only at the clean end of the data. */
static fmnist_status pull(fmnist__idx *x, uint8_t *dst, size_t n,
                          size_t *got) {
  if (!x->gz) {
    if (n == 0) {
      *got = 0;
      return FMNIST_OK;
    }
    size_t r = fread(dst, 1, n, x->f);
    if (r < n && ferror(x->f)) {
      char buf[128];
      return fmnist__fail(FMNIST_E_IO, "%s: read error after %llu bytes: %s",
                          x->path, (unsigned long long)(x->produced + r),
                          errno_text(errno, buf, sizeof buf));
    }
    x->produced += r;
    *got = r;
    return FMNIST_OK;
  }
  unsigned char drop[DROP_CHUNK];
  size_t have = 0;
  while (have < n && !x->done) {
    if (x->zs.avail_in == 0 && !x->in_eof) {
      fmnist_status st = refill(x);
      if (st != FMNIST_OK) return st;
    }
    size_t cap = n - have;
    if (!dst && cap > sizeof drop) cap = sizeof drop;
    if (cap > UINT_MAX) cap = UINT_MAX; /* avail_out is a uInt */
    x->zs.next_out = dst ? dst + have : drop;
    x->zs.avail_out = (uInt)cap;
    int ret = inflate(&x->zs, Z_NO_FLUSH);
    size_t made = cap - x->zs.avail_out;
    have += made;
    x->produced += made;
    if (made) x->new_member = 0;
    if (ret == Z_OK) continue;
    if (ret == Z_STREAM_END) {
      fmnist_status st = member_end(x);
      if (st != FMNIST_OK) return st;
      continue;
    }
    if (ret == Z_BUF_ERROR) {
      /* No progress possible: fine if more input can be read, else the
       * stream stops in the middle. */
      if (x->zs.avail_in == 0 && x->in_eof) return truncated_gzip(x);
      continue;
    }
    if (ret == Z_MEM_ERROR)
      return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory while inflating",
                          x->path);
    if (x->new_member) return trailing_garbage(x);
    return fmnist__fail(FMNIST_E_FORMAT,
                        "%s: corrupt gzip data after %llu uncompressed bytes: "
                        "%s",
                        x->path, (unsigned long long)x->produced,
                        x->zs.msg ? x->zs.msg : "invalid stream");
  }
  *got = have;
  return FMNIST_OK;
}

static fmnist_status open_file(fmnist__idx *x) {
  char buf[128];
  errno = 0;
  x->f = fopen(x->path, "rb");
  if (!x->f) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return fmnist__fail(FMNIST_E_NOTFOUND, "%s: no such file", x->path);
    if (err == EISDIR)
      return fmnist__fail(FMNIST_E_IO, "%s: is a directory, expected an IDX "
                          "%s file", x->path, noun(x));
    if (err == ENOMEM)
      return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory opening it",
                          x->path);
    return fmnist__fail(FMNIST_E_IO, "%s: cannot open: %s", x->path,
                        errno_text(err, buf, sizeof buf));
  }
  struct stat sb;
  if (fstat(fileno(x->f), &sb) != 0)
    return fmnist__fail(FMNIST_E_IO, "%s: cannot stat: %s", x->path,
                        errno_text(errno, buf, sizeof buf));
  /* Linux lets fopen "rb" succeed on a directory; the length checks below
   * also need a real size, so only regular files are accepted. */
  if (S_ISDIR(sb.st_mode))
    return fmnist__fail(FMNIST_E_IO, "%s: is a directory, expected an IDX %s "
                        "file", x->path, noun(x));
  if (!S_ISREG(sb.st_mode))
    return fmnist__fail(FMNIST_E_IO, "%s: not a regular file", x->path);
  x->file_size = (uint64_t)sb.st_size;
  return FMNIST_OK;
}

static fmnist_status seek_start(fmnist__idx *x) {
  if (fseek(x->f, 0, SEEK_SET) != 0) {
    char buf[128];
    return fmnist__fail(FMNIST_E_IO, "%s: cannot seek: %s", x->path,
                        errno_text(errno, buf, sizeof buf));
  }
  return FMNIST_OK;
}

/* Looks at the first bytes (gzip is 1f 8b whatever the name says) and, for
 * gzip, reads the ISIZE trailer and prepares inflate. */
static fmnist_status detect(fmnist__idx *x) {
  uint8_t b[4];
  fmnist_status st;
  if (x->file_size >= 2 && fread(b, 1, 2, x->f) == 2 && b[0] == 0x1f &&
      b[1] == 0x8b)
    x->gz = 1;
  if (x->gz && x->file_size >= 18) { /* 10-byte header + 8-byte trailer */
    if (fseek(x->f, -4, SEEK_END) == 0 && fread(b, 1, 4, x->f) == 4) {
      x->isize = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                 (uint32_t)b[3] << 24;
      x->isize_known = 1;
    }
  }
  if ((st = seek_start(x)) != FMNIST_OK) return st;
  if (!x->gz) return FMNIST_OK;
  x->in = fmnist__alloc(IN_CHUNK);
  if (!x->in)
    return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for the gzip "
                        "input buffer", x->path);
  x->zs.zalloc = z_alloc;
  x->zs.zfree = z_free;
  x->zs.opaque = Z_NULL;
  x->zs.next_in = Z_NULL;
  x->zs.avail_in = 0;
  int ret = inflateInit2(&x->zs, 15 + 16); /* 32K window, gzip only */
  if (ret == Z_MEM_ERROR)
    return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for inflate",
                        x->path);
  if (ret != Z_OK)
    return fmnist__fail(FMNIST_E_IO, "%s: zlib inflateInit2 failed (%d)",
                        x->path, ret);
  x->z_live = 1;
  return FMNIST_OK;
}

static fmnist_status read_header(fmnist__idx *x) {
  const uint32_t want = kind_magic(x->kind);
  const unsigned dims = x->kind == FMNIST__IDX_IMAGES ? 3 : 1;
  const size_t hs = 4 + 4 * (size_t)dims;
  uint8_t h[16];
  size_t got;
  fmnist_status st = pull(x, h, 4, &got);
  if (st != FMNIST_OK) return st;
  if (got == 0)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: empty%s, expected an IDX %s "
                        "file (magic 0x%08x)", x->path,
                        x->gz ? " after gunzip" : " file", noun(x), want);
  if (got < 4)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: truncated header: ends after "
                        "%zu of %zu bytes", x->path, got, hs);
  uint32_t magic = be32(h);
  if (h[0] != 0 || h[1] != 0 || h[2] != IDX_TYPE_UBYTE)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: bad magic 0x%08x, expected "
                        "0x%08x (IDX %s)", x->path, magic, want, noun(x));
  if (h[3] != dims) {
    uint32_t other = x->kind == FMNIST__IDX_IMAGES ? LABEL_MAGIC : IMAGE_MAGIC;
    if (magic == other)
      return fmnist__fail(FMNIST_E_FORMAT, "%s: bad magic 0x%08x (an IDX %s "
                          "file), expected 0x%08x (%s)", x->path, magic,
                          x->kind == FMNIST__IDX_IMAGES ? "labels" : "images",
                          want, noun(x));
    return fmnist__fail(FMNIST_E_FORMAT, "%s: %u dimensions (magic 0x%08x), "
                        "expected %u (magic 0x%08x)", x->path, (unsigned)h[3],
                        magic, dims, want);
  }
  if ((st = pull(x, h + 4, hs - 4, &got)) != FMNIST_OK) return st;
  if (got < hs - 4)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: truncated header: ends after "
                        "%zu of %zu bytes", x->path, 4 + got, hs);
  if (x->kind == FMNIST__IDX_IMAGES) {
    uint32_t rows = be32(h + 8), cols = be32(h + 12);
    if (rows != 28 || cols != 28)
      return fmnist__fail(FMNIST_E_FORMAT, "%s: images are %lux%lu, expected "
                          "28x28", x->path, (unsigned long)rows,
                          (unsigned long)cols);
  }
  x->header_size = hs;
  x->count = be32(h + 4);
  /* At most 16 + (2^32 - 1) * 784 < 2^42: no overflow in 64 bits. */
  x->total = hs + (uint64_t)x->count * item_size(x->kind);
  return FMNIST_OK;
}

/* Decodes the whole gzip content without keeping it, to learn its real
 * length; used when the trailer and the header disagree, so that nothing is
 * allocated by a size the file has not backed with data. */
static fmnist_status gz_measure(fmnist__idx *x) {
  size_t got;
  fmnist_status st = pull(x, NULL, SIZE_MAX, &got);
  if (st != FMNIST_OK) return st;
  if (x->produced < x->total) return truncated_data(x);
  if (x->produced > x->total) return trailing_data(x, x->produced - x->total);
  /* Same length after all (several gzip members: ISIZE is only the last
   * one's). Start over and skip the header we already checked. */
  if ((st = seek_start(x)) != FMNIST_OK) return st;
  if (inflateReset(&x->zs) != Z_OK)
    return fmnist__fail(FMNIST_E_IO, "%s: zlib inflateReset failed", x->path);
  x->zs.next_in = Z_NULL;
  x->zs.avail_in = 0;
  x->read_total = 0;
  x->in_eof = 0;
  x->done = 0;
  x->new_member = 0;
  x->produced = 0;
  uint8_t h[16];
  if ((st = pull(x, h, x->header_size, &got)) != FMNIST_OK) return st;
  if (got != x->header_size) return truncated_gzip(x); /* file changed */
  return FMNIST_OK;
}

static fmnist_status check_length(fmnist__idx *x) {
  if ((uint64_t)(size_t)x->total != x->total)
    return fmnist__fail(FMNIST_E_NOMEM, "%s: %lu %s do not fit in memory on "
                        "this platform", x->path, (unsigned long)x->count,
                        noun(x));
  if (!x->gz) {
    if (x->file_size < x->total) {
      x->produced = x->file_size;
      return truncated_data(x);
    }
    if (x->file_size > x->total)
      return trailing_data(x, x->file_size - x->total);
    return FMNIST_OK;
  }
  if (x->total / DEFLATE_MAX_RATIO > x->file_size)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: header announces %lu %s (%llu "
                        "bytes), more than a %llu-byte gzip file can hold "
                        "(deflate expands at most 1032:1)", x->path,
                        (unsigned long)x->count, noun(x),
                        (unsigned long long)x->total,
                        (unsigned long long)x->file_size);
  if (x->isize_known && x->isize == (uint32_t)x->total) return FMNIST_OK;
  return gz_measure(x);
}

fmnist_status fmnist__idx_open(const char *path, fmnist__idx_kind kind,
                               fmnist__idx **out) {
  FMNIST__CHECK_ARG(path);
  FMNIST__CHECK_ARG(out);
  fmnist_status st;
  fmnist__idx *x = fmnist__calloc(1, sizeof *x);
  if (!x) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", path);
  x->path = path;
  x->kind = kind;
  if ((st = open_file(x)) != FMNIST_OK) goto fail;
  if ((st = detect(x)) != FMNIST_OK) goto fail;
  if ((st = read_header(x)) != FMNIST_OK) goto fail;
  if ((st = check_length(x)) != FMNIST_OK) goto fail;
  *out = x;
  return FMNIST_OK;
fail:
  fmnist__idx_close(x);
  return st;
}

size_t fmnist__idx_count(const fmnist__idx *x) { return x->count; }

size_t fmnist__idx_item_size(const fmnist__idx *x) {
  return item_size(x->kind);
}

fmnist_status fmnist__idx_read(fmnist__idx *x, uint8_t *dst, size_t size) {
  FMNIST__CHECK_ARG(x);
  if (size != x->total - x->header_size || (size && !dst))
    return fmnist__fail(FMNIST_E_INVALID, "%s: read of %zu bytes, the file "
                        "holds %llu", x->path, size,
                        (unsigned long long)(x->total - x->header_size));
  size_t got;
  fmnist_status st = pull(x, dst, size, &got);
  if (st != FMNIST_OK) return st;
  if (got < size) return truncated_data(x);
  /* Nothing may follow the data. For gzip this also drives inflate through
   * the trailer, which checks the CRC-32 and the length. */
  if (x->gz) {
    if ((st = pull(x, NULL, SIZE_MAX, &got)) != FMNIST_OK) return st;
    if (got) return trailing_data(x, got);
  } else if (fgetc(x->f) != EOF) {
    /* The file grew since fstat. */
    return fmnist__fail(FMNIST_E_FORMAT, "%s: trailing data after the %llu "
                        "bytes the header announces", x->path,
                        (unsigned long long)x->total);
  }
  if (x->kind == FMNIST__IDX_LABELS) {
    for (size_t i = 0; i < size; i++)
      if (dst[i] > 9)
        return fmnist__fail(FMNIST_E_FORMAT, "%s: label %u at index %zu, "
                            "expected 0..9", x->path, (unsigned)dst[i], i);
  }
  return FMNIST_OK;
}

void fmnist__idx_close(fmnist__idx *x) {
  if (!x) return;
  if (x->z_live) inflateEnd(&x->zs);
  fmnist__free(x->in);
  if (x->f) fclose(x->f);
  fmnist__free(x);
}
