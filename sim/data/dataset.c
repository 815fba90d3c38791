#include "dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

size_t pbit_dataset_example_size(const pbit_dataset_t *d) {
  return d == NULL ? 0 : (size_t)d->channels * d->rows * d->cols;
}

void pbit_dataset_free(pbit_dataset_t *d) {
  if (d == NULL) return;
  free(d->pixels);
  free(d->labels);
  memset(d, 0, sizeof(*d));
}

/* Reads exactly len bytes; 0 on success, else a PBIT_ERR_DATA naming what. */
static int read_exact(gzFile f, void *buf, size_t len, const char *path, const char *what,
                      pbit_error_t *err) {
  uint8_t *p = buf;
  while (len > 0) {
    unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
    int got = gzread(f, p, chunk);
    if (got < 0) {
      int zerr = 0;
      const char *msg = gzerror(f, &zerr);
      return pbit_error_set(err, PBIT_ERR_DATA, path, 0, 0, "corrupt compressed data while reading %s: %s",
                            what, msg);
    }
    if (got == 0)
      return pbit_error_set(err, PBIT_ERR_DATA, path, 0, 0, "file ends early (truncated %s)", what);
    p += got;
    len -= (size_t)got;
  }
  return PBIT_OK;
}

static uint32_t be32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Opens a gzip or plain file; returns a status and sets *out. */
static int open_gz(const char *path, gzFile *out, pbit_error_t *err) {
  *out = NULL;
  struct stat st;
  if (stat(path, &st) != 0)
    return PBIT_FAIL(err, PBIT_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  if (!S_ISREG(st.st_mode)) return PBIT_FAIL(err, PBIT_ERR_DATA, path, 0, 0, "not a regular file");
  *out = gzopen(path, "rb"); /* reads plain files transparently */
  if (*out == NULL) return PBIT_FAIL(err, PBIT_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  return PBIT_OK;
}

/* Checks that nothing follows the declared data. */
static int expect_eof(gzFile f, const char *path, pbit_error_t *err) {
  uint8_t extra;
  int got = gzread(f, &extra, 1);
  if (got < 0) return pbit_error_set(err, PBIT_ERR_DATA, path, 0, 0, "corrupt compressed data at the end");
  if (got > 0)
    return pbit_error_set(err, PBIT_ERR_DATA, path, 0, 0,
                          "unexpected data after the declared items (wrong header counts?)");
  return PBIT_OK;
}

/* One IDX file: magic 0x0000 08 <ndims>, ndims big-endian sizes, data. */
static int load_idx_file(const char *path, int want_dims, uint32_t dims[3], uint8_t **data,
                         pbit_error_t *err) {
  *data = NULL;
  gzFile f = NULL;
  int rc = open_gz(path, &f, err);
  if (rc != PBIT_OK) return rc;
  uint8_t hdr[4 + 12];
  rc = read_exact(f, hdr, 4, path, "IDX header", err);
  if (rc == PBIT_OK && (hdr[0] != 0 || hdr[1] != 0 || hdr[2] != 0x08 || hdr[3] != want_dims))
    rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, 0, 0,
                        "not an IDX %s file: magic %02x%02x%02x%02x, want 000008%02x "
                        "(unsigned bytes, %d dimensions)",
                        want_dims == 3 ? "image" : "label", hdr[0], hdr[1], hdr[2], hdr[3], want_dims,
                        want_dims);
  if (rc == PBIT_OK) rc = read_exact(f, hdr + 4, 4u * (unsigned)want_dims, path, "IDX dimensions", err);
  size_t total = 1;
  for (int k = 0; rc == PBIT_OK && k < want_dims; k++) {
    dims[k] = be32(hdr + 4 + 4 * k);
    if (dims[k] == 0 || dims[k] > (1u << 24))
      rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, 0, 0, "implausible dimension %d: %u", k, dims[k]);
    total *= dims[k];
  }
  if (rc == PBIT_OK && total > ((size_t)1 << 34))
    rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, 0, 0, "implausible size: %zu bytes", total);
  if (rc == PBIT_OK) {
    *data = malloc(total);
    if (*data == NULL) rc = PBIT_FAIL(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
  }
  if (rc == PBIT_OK) rc = read_exact(f, *data, total, path, "IDX data", err);
  if (rc == PBIT_OK) rc = expect_eof(f, path, err);
  gzclose(f);
  if (rc != PBIT_OK) {
    free(*data);
    *data = NULL;
  }
  return rc;
}

static int check_labels(const uint8_t *labels, uint32_t count, uint32_t classes, const char *path,
                        pbit_error_t *err) {
  for (uint32_t k = 0; k < count; k++)
    if (labels[k] >= classes)
      return pbit_error_set(err, PBIT_ERR_DATA, path, 0, 0, "label %u of item %u is not below %u classes",
                            labels[k], k, classes);
  return PBIT_OK;
}

int pbit_dataset_load_idx(const char *images_path, const char *labels_path, uint32_t classes,
                          pbit_dataset_t *out, pbit_error_t *err) {
  if (out == NULL || images_path == NULL || labels_path == NULL || classes == 0 || classes > 256)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "bad arguments to pbit_dataset_load_idx");
  memset(out, 0, sizeof(*out));
  uint32_t idims[3] = {0, 0, 0}, ldims[3] = {0, 0, 0};
  uint8_t *pixels = NULL, *labels = NULL;
  int rc = load_idx_file(images_path, 3, idims, &pixels, err);
  if (rc != PBIT_OK) return rc;
  rc = load_idx_file(labels_path, 1, ldims, &labels, err);
  if (rc == PBIT_OK && ldims[0] != idims[0])
    rc = PBIT_FAIL(err, PBIT_ERR_DATA, labels_path, 0, 0, "%u labels for %u images in %s", ldims[0],
                        idims[0], images_path);
  if (rc == PBIT_OK) rc = check_labels(labels, ldims[0], classes, labels_path, err);
  if (rc != PBIT_OK) {
    free(pixels);
    free(labels);
    return rc;
  }
  out->count = idims[0];
  out->channels = 1;
  out->rows = idims[1];
  out->cols = idims[2];
  out->classes = classes;
  out->pixels = pixels;
  out->labels = labels;
  return PBIT_OK;
}

#define CIFAR_PIXELS 3072u
#define CIFAR_RECORD (1u + CIFAR_PIXELS)

int pbit_dataset_load_cifar10(const char *const *paths, size_t n_paths, pbit_dataset_t *out,
                              pbit_error_t *err) {
  if (out == NULL || paths == NULL || n_paths == 0)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "bad arguments to pbit_dataset_load_cifar10");
  memset(out, 0, sizeof(*out));
  size_t count = 0;
  for (size_t k = 0; k < n_paths; k++) {
    struct stat st;
    if (paths[k] == NULL || stat(paths[k], &st) != 0)
      return pbit_error_set(err, PBIT_ERR_IO, paths[k], 0, 0, "cannot open: %s", strerror(errno));
    if (!S_ISREG(st.st_mode) || st.st_size == 0 || (size_t)st.st_size % CIFAR_RECORD != 0)
      return pbit_error_set(err, PBIT_ERR_DATA, paths[k], 0, 0,
                            "size %lld is not a whole number of CIFAR-10 records (%u bytes each)",
                            (long long)st.st_size, CIFAR_RECORD);
    count += (size_t)st.st_size / CIFAR_RECORD;
  }
  if (count > UINT32_MAX) return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "too many records");
  uint8_t *pixels = malloc(count * CIFAR_PIXELS), *labels = malloc(count);
  uint8_t *rec = malloc(CIFAR_RECORD);
  int rc = (pixels && labels && rec) ? PBIT_OK : PBIT_FAIL(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  size_t at = 0;
  for (size_t k = 0; rc == PBIT_OK && k < n_paths; k++) {
    FILE *f = fopen(paths[k], "rb");
    if (f == NULL) {
      rc = PBIT_FAIL(err, PBIT_ERR_IO, paths[k], 0, 0, "cannot open: %s", strerror(errno));
      break;
    }
    size_t recs = 0;
    while (rc == PBIT_OK && fread(rec, 1, CIFAR_RECORD, f) == CIFAR_RECORD) {
      if (rec[0] >= 10)
        rc = PBIT_FAIL(err, PBIT_ERR_DATA, paths[k], 0, 0, "record %zu: label %u is not a CIFAR-10 class",
                            recs, rec[0]);
      if (at >= count) rc = PBIT_FAIL(err, PBIT_ERR_DATA, paths[k], 0, 0, "file grew while reading");
      if (rc != PBIT_OK) break;
      labels[at] = rec[0];
      memcpy(pixels + at * CIFAR_PIXELS, rec + 1, CIFAR_PIXELS);
      at++;
      recs++;
    }
    if (rc == PBIT_OK && ferror(f)) rc = PBIT_FAIL(err, PBIT_ERR_IO, paths[k], 0, 0, "read error");
    fclose(f);
  }
  if (rc == PBIT_OK && at != count)
    rc = PBIT_FAIL(err, PBIT_ERR_DATA, NULL, 0, 0, "read %zu records, expected %zu", at, count);
  free(rec);
  if (rc != PBIT_OK) {
    free(pixels);
    free(labels);
    return rc;
  }
  out->count = (uint32_t)count;
  out->channels = 3;
  out->rows = 32;
  out->cols = 32;
  out->classes = 10;
  out->pixels = pixels;
  out->labels = labels;
  return PBIT_OK;
}

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return (v != NULL && *v != '\0') ? v : fallback;
}

int pbit_dataset_load_named(const char *name, pbit_split_t split, const char *repo_root,
                            pbit_dataset_t *out, pbit_error_t *err) {
  if (name == NULL || out == NULL || (split != PBIT_SPLIT_TRAIN && split != PBIT_SPLIT_TEST))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "bad arguments to pbit_dataset_load_named");
  const char *prefix = split == PBIT_SPLIT_TRAIN ? "train" : "t10k";
  char dir[1024], img[1200], lab[1200];
  if (strcmp(name, "fashion-mnist") == 0 || strcmp(name, "mnist") == 0) {
    int fashion = name[0] == 'f';
    if (fashion) {
      snprintf(dir, sizeof(dir), "%s", env_or("PBITSIM_FASHION_DIR", "/usr/share/datasets/fashion-mnist"));
    } else {
      const char *env = getenv("PBITSIM_MNIST_DIR");
      if (env != NULL && *env != '\0')
        snprintf(dir, sizeof(dir), "%s", env);
      else
        snprintf(dir, sizeof(dir), "%s/data/mnist", repo_root != NULL ? repo_root : ".");
    }
    snprintf(img, sizeof(img), "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(lab, sizeof(lab), "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    struct stat st;
    if (stat(img, &st) != 0 || stat(lab, &st) != 0)
      return pbit_error_set(err, PBIT_ERR_IO, img, 0, 0,
                            "%s is not installed here (run 'make deps' as root%s)", name,
                            fashion ? ", or apt-get install dataset-fashion-mnist" : "");
    return pbit_dataset_load_idx(img, lab, 10, out, err);
  }
  if (strcmp(name, "cifar10") == 0) {
    const char *d = getenv("PBITSIM_CIFAR10_DIR");
    if (d == NULL || *d == '\0')
      return pbit_error_set(err, PBIT_ERR_IO, NULL, 0, 0,
                            "CIFAR-10 is not available here: set PBITSIM_CIFAR10_DIR to a folder "
                            "holding data_batch_1.bin .. data_batch_5.bin and test_batch.bin");
    char paths[5][1200];
    const char *ptrs[5];
    size_t n = 0;
    if (split == PBIT_SPLIT_TRAIN) {
      for (int k = 1; k <= 5; k++) {
        snprintf(paths[n], sizeof(paths[n]), "%s/data_batch_%d.bin", d, k);
        ptrs[n] = paths[n];
        n++;
      }
    } else {
      snprintf(paths[0], sizeof(paths[0]), "%s/test_batch.bin", d);
      ptrs[0] = paths[0];
      n = 1;
    }
    return pbit_dataset_load_cifar10(ptrs, n, out, err);
  }
  return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                        "unknown data set '%s' (fashion-mnist, mnist, cifar10)", name);
}
