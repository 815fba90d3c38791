/* Image classification data sets, loaded whole into memory.
 *
 * Formats: IDX (LeCun's MNIST format; gzip-compressed or plain, read with
 * zlib) for Fashion-MNIST and the converted MNIST subset, and the CIFAR-10
 * binary format (records of 1 label byte + 3072 pixel bytes). A bad file gets
 * PBIT_ERR_DATA (or PBIT_ERR_IO if it cannot be read) with the file named and
 * what is wrong; nothing is half-loaded. */
#ifndef PBIT_DATASET_H
#define PBIT_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint32_t count;    /* examples */
  uint32_t channels; /* 1 (grey) or 3 (CIFAR: planes R, G, B) */
  uint32_t rows;
  uint32_t cols;
  uint32_t classes;  /* labels are 0..classes-1 */
  uint8_t *pixels;   /* count x channels x rows x cols, 0..255 */
  uint8_t *labels;   /* count */
} pbit_dataset_t;

/* Size of one example in bytes (channels x rows x cols). */
size_t pbit_dataset_example_size(const pbit_dataset_t *d);

/* Frees the arrays and zeroes the struct (safe on NULL / zeroed). */
void pbit_dataset_free(pbit_dataset_t *d);

/* An IDX image file (magic 0x00000803, 3 dimensions) and its IDX label file
 * (0x00000801) with the same count; labels must be < classes. */
int pbit_dataset_load_idx(const char *images_path, const char *labels_path,
                          uint32_t classes, pbit_dataset_t *out, pbit_error_t *err);

/* CIFAR-10 binary batches, concatenated in the order given. */
int pbit_dataset_load_cifar10(const char *const *paths, size_t n_paths,
                              pbit_dataset_t *out, pbit_error_t *err);

typedef enum { PBIT_SPLIT_TRAIN = 0, PBIT_SPLIT_TEST = 1 } pbit_split_t;

/* Loads a named data set from its standard place:
 *   "fashion-mnist": $PBITSIM_FASHION_DIR or /usr/share/datasets/fashion-mnist
 *   "mnist":         $PBITSIM_MNIST_DIR or <repo>/data/mnist (scripts/setup.sh)
 *   "cifar10":       $PBITSIM_CIFAR10_DIR (data_batch_1..5.bin, test_batch.bin)
 * repo_root may be NULL (then "." is used). Missing files -> PBIT_ERR_IO
 * naming the path and how to get it. */
int pbit_dataset_load_named(const char *name, pbit_split_t split, const char *repo_root,
                            pbit_dataset_t *out, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_DATASET_H */
