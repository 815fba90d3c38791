/* One BSFF layer step as firmware: written only against the HAL
 * (hal/hal.h), so it runs unchanged on every backend.
 *
 *   load    weights W[n_in][n_out] and bias b[n_out] into the windows
 *   step    present the binary input x (INPUT window), FORWARD with CLEAR +
 *           FINISH through the index generator (the DAC codes drive the
 *           p-bits: copy k of unit j gets code_j + offset_k), sample the
 *           p-bits for T cycles -> counts n_j (0..K*T), then UPDATE with
 *           FINISH and the delta vector: W[i][:] += delta for every active
 *           input i, b += delta.
 *
 * (The tied-copy offsets follow shared/spec/bsff-algorithm.md:
 * c_k = -(k - 1/2) * step for k = 1..K, here in DAC code units.) */
#ifndef PBIT_FW_LAYER_H
#define PBIT_FW_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "hal/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint32_t n_in, n_out;   /* D inputs, N units */
  uint32_t dac_shift;     /* DAC_SHIFT */
  uint32_t copies;        /* K tied copies per unit */
  const int32_t *offsets; /* [copies] DAC code offsets c_k (NULL: 0) */
  uint32_t samples;       /* T p-bit cycles per presentation */
  const int32_t *weights; /* [n_in * n_out] row-major */
  const int32_t *bias;    /* [n_out] */
} pbit_fw_layer_t;

typedef struct {
  int64_t *acc;     /* [n_out] accumulators after FORWARD (NULL: not read) */
  int32_t *dac;     /* [n_out] DAC codes emitted (NULL: not read) */
  uint32_t *counts; /* [n_out] p-bit counts over copies and cycles (NULL: not kept) */
  uint8_t *states;  /* [samples * n_out * copies] per-cycle states (NULL: not kept) */
  uint64_t fwd_cycles, upd_cycles; /* datapath `cycles` counter of each operation */
} pbit_fw_step_out_t;

/* c_k = round(-(k - 1/2) * step), k = 1..K (round half away from zero). */
void pbit_fw_copy_offsets(uint32_t copies, double step, int32_t *offsets);

/* Geometry, weights and bias; sets the p-bit copies. */
int pbit_fw_layer_load(pbit_hal_t *h, const pbit_fw_layer_t *layer);
/* One presentation of x (binary, n_in) and the update with delta (n_out,
 * NULL: no UPDATE). Returns a pbit_hal_status_t. */
int pbit_fw_layer_step(pbit_hal_t *h, const pbit_fw_layer_t *layer, const uint8_t *x,
                       const int32_t *delta, pbit_fw_step_out_t *out);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_FW_LAYER_H */
