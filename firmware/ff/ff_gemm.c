/* Dense kernels of the FF trainer: register-tiled with GCC vector types.
 * Tiles of 4 rows x 64 columns keep 16 vector accumulators in registers. */
#include "ff_gemm.h"

#include <string.h>

typedef float v16f __attribute__((vector_size(64)));

static inline v16f ldv(const float *p) {
  v16f v;
  memcpy(&v, p, sizeof(v));
  return v;
}
static inline void stv(float *p, v16f v) { memcpy(p, &v, sizeof(v)); }

enum { RB = 4, NV = 4, TILE = 16 * NV };

/* RB_ x (16 * NV_) block of the forward product at column j. */
#define FWD_KERNEL(NAME, RB_, NV_)                                                              \
  static void NAME(const float *const *x, const float *w, size_t ldw, uint32_t k0, uint32_t k1, \
                   const float *bias, float *const *z, uint32_t j) {                            \
    v16f acc[(RB_)][(NV_)];                                                                     \
    for (int v = 0; v < (NV_); v++) {                                                           \
      v16f b = ldv(bias + j + 16 * v);                                                          \
      for (int r = 0; r < (RB_); r++) acc[r][v] = b;                                            \
    }                                                                                           \
    for (uint32_t k = k0; k < k1; k++) {                                                        \
      float xs[(RB_)];                                                                          \
      int nz = 0;                                                                               \
      for (int r = 0; r < (RB_); r++) {                                                         \
        xs[r] = x[r][k];                                                                        \
        nz |= xs[r] != 0.0f;                                                                    \
      }                                                                                         \
      if (!nz) continue;                                                                        \
      const float *wk = w + (size_t)k * ldw + j;                                                \
      for (int v = 0; v < (NV_); v++) {                                                         \
        v16f wv = ldv(wk + 16 * v);                                                             \
        for (int r = 0; r < (RB_); r++) acc[r][v] += wv * xs[r];                                \
      }                                                                                         \
    }                                                                                           \
    for (int r = 0; r < (RB_); r++)                                                             \
      for (int v = 0; v < (NV_); v++) stv(z[r] + j + 16 * v, acc[r][v]);                        \
  }

FWD_KERNEL(fwd_4x4, 4, 4)
FWD_KERNEL(fwd_4x1, 4, 1)
FWD_KERNEL(fwd_1x4, 1, 4)
FWD_KERNEL(fwd_1x1, 1, 1)

void pbit_ff_gemm_fwd(uint32_t rows, const float *const *x, const float *w, size_t ldw, uint32_t k0,
                      uint32_t k1, const float *bias, uint32_t cols, float *const *z, int threads) {
  const uint32_t row_blocks = (rows + RB - 1) / RB;
  const uint32_t col_tiles = (cols + TILE - 1) / TILE;
  const long tasks = (long)row_blocks * col_tiles;
  /* Consecutive tasks share a column tile, so a thread reuses its weights. */
#pragma omp parallel for schedule(static) num_threads(threads)
  for (long t = 0; t < tasks; t++) {
    const uint32_t m = (uint32_t)(t % row_blocks) * RB;
    const uint32_t j0 = (uint32_t)(t / row_blocks) * TILE;
    const uint32_t jn = cols - j0 < TILE ? cols - j0 : TILE;
    if (m + RB <= rows) {
      if (jn == TILE) {
        fwd_4x4(x + m, w, ldw, k0, k1, bias, z + m, j0);
      } else {
        for (uint32_t j = j0; j < j0 + jn; j += 16) fwd_4x1(x + m, w, ldw, k0, k1, bias, z + m, j);
      }
    } else {
      for (uint32_t r = m; r < rows; r++) {
        if (jn == TILE) {
          fwd_1x4(x + r, w, ldw, k0, k1, bias, z + r, j0);
        } else {
          for (uint32_t j = j0; j < j0 + jn; j += 16)
            fwd_1x1(x + r, w, ldw, k0, k1, bias, z + r, j);
        }
      }
    }
  }
}

/* (KB_) rows (k .. k + (KB_) - 1) x (16 * (NV_)) columns of the gradient. */
#define GRAD_KERNEL(NAME, KB_, NV_)                                                           \
  static void NAME(uint32_t rows, const float *const *x, const float *const *d, uint32_t k,   \
                   uint32_t j, float *g, size_t ldg) {                                        \
    v16f acc[(KB_)][(NV_)];                                                                   \
    for (int r = 0; r < (KB_); r++)                                                           \
      for (int v = 0; v < (NV_); v++) acc[r][v] = (v16f){0};                                  \
    for (uint32_t m = 0; m < rows; m++) {                                                     \
      float xs[(KB_)];                                                                        \
      int nz = 0;                                                                             \
      for (int r = 0; r < (KB_); r++) {                                                       \
        xs[r] = x[m][k + r];                                                                  \
        nz |= xs[r] != 0.0f;                                                                  \
      }                                                                                       \
      if (!nz) continue;                                                                      \
      const float *dm = d[m] + j;                                                             \
      for (int v = 0; v < (NV_); v++) {                                                       \
        v16f dv = ldv(dm + 16 * v);                                                           \
        for (int r = 0; r < (KB_); r++) acc[r][v] += dv * xs[r];                              \
      }                                                                                       \
    }                                                                                         \
    for (int r = 0; r < (KB_); r++)                                                           \
      for (int v = 0; v < (NV_); v++) stv(g + (size_t)(k + r) * ldg + j + 16 * v, acc[r][v]); \
  }

GRAD_KERNEL(grad_4x4, 4, 4)
GRAD_KERNEL(grad_4x1, 4, 1)
GRAD_KERNEL(grad_1x4, 1, 4)
GRAD_KERNEL(grad_1x1, 1, 1)

void pbit_ff_gemm_grad(uint32_t rows, const float *const *x, const float *const *d, uint32_t k0,
                       uint32_t k1, uint32_t cols, float *g, size_t ldg, int threads) {
  if (k1 <= k0) return;
  const uint32_t k_blocks = (k1 - k0 + RB - 1) / RB;
  const uint32_t col_tiles = (cols + TILE - 1) / TILE;
  const long tasks = (long)k_blocks * col_tiles;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (long t = 0; t < tasks; t++) {
    const uint32_t k = k0 + (uint32_t)(t / col_tiles) * RB;
    const uint32_t j0 = (uint32_t)(t % col_tiles) * TILE;
    const uint32_t jn = cols - j0 < TILE ? cols - j0 : TILE;
    if (k + RB <= k1) {
      if (jn == TILE) {
        grad_4x4(rows, x, d, k, j0, g, ldg);
      } else {
        for (uint32_t j = j0; j < j0 + jn; j += 16) grad_4x1(rows, x, d, k, j, g, ldg);
      }
    } else {
      for (uint32_t r = k; r < k1; r++) {
        if (jn == TILE) {
          grad_1x4(rows, x, d, r, j0, g, ldg);
        } else {
          for (uint32_t j = j0; j < j0 + jn; j += 16) grad_1x1(rows, x, d, r, j, g, ldg);
        }
      }
    }
  }
}
