/* Dense kernels of the FF trainer (internal to firmware/ff).
 *
 * Row-major float matrices whose rows are reached through pointer arrays, so
 * callers can gather rows without copying. Column counts are multiples of 16
 * (storage is padded). Each output element is summed by one thread in
 * ascending order of the reduction index, so results do not depend on the
 * thread count or on how the work is tiled. Terms whose input factor is zero
 * are skipped (adding +-0 leaves a finite sum unchanged). */
#ifndef PBIT_FF_GEMM_H
#define PBIT_FF_GEMM_H

#include <stddef.h>
#include <stdint.h>

/* z[m][j] = bias[j] + sum_{k=k0}^{k1-1} x[m][k] * w[k * ldw + j]
 * for m < rows, j < cols. */
void pbit_ff_gemm_fwd(uint32_t rows, const float *const *x, const float *w, size_t ldw, uint32_t k0,
                      uint32_t k1, const float *bias, uint32_t cols, float *const *z, int threads);

/* g[k * ldg + j] = sum_{m < rows} x[m][k] * d[m][j] for k0 <= k < k1, j < cols
 * (m ascending, starting from 0). */
void pbit_ff_gemm_grad(uint32_t rows, const float *const *x, const float *const *d, uint32_t k0,
                       uint32_t k1, uint32_t cols, float *g, size_t ldg, int threads);

#endif /* PBIT_FF_GEMM_H */
