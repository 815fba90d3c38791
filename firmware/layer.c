/* One BSFF layer step through the HAL only (see layer.h). */
#include "layer.h"

#include <math.h>

void pbit_fw_copy_offsets(uint32_t copies, double step, int32_t *offsets) {
  if (offsets == NULL) return;
  for (uint32_t k = 1; k <= copies; k++)
    offsets[k - 1] = (int32_t)lround(-((double)k - 0.5) * step);
}

int pbit_fw_layer_load(pbit_hal_t *h, const pbit_fw_layer_t *L) {
  if (h == NULL || L == NULL || L->weights == NULL || L->bias == NULL) return PBIT_HAL_ERR_ARG;
  int rc = pbit_hal_set_geometry(h, L->n_in, L->n_out, L->dac_shift);
  if (rc == PBIT_HAL_OK) rc = pbit_hal_load_weights(h, 0, L->n_in, L->n_out, L->weights);
  if (rc == PBIT_HAL_OK) rc = pbit_hal_load_bias(h, L->bias, L->n_out);
  if (rc == PBIT_HAL_OK) rc = pbit_hal_pbit_copies(h, L->copies, L->offsets);
  return rc;
}

static int counter(pbit_hal_t *h, int k, uint64_t *v) {
  uint64_t c[PBIT_DP_NUM_COUNTERS];
  int rc = pbit_hal_counters(h, c);
  if (rc == PBIT_HAL_OK) *v = c[k];
  return rc;
}

int pbit_fw_layer_step(pbit_hal_t *h, const pbit_fw_layer_t *L, const uint8_t *x,
                       const int32_t *delta, pbit_fw_step_out_t *out) {
  if (h == NULL || L == NULL || x == NULL || out == NULL) return PBIT_HAL_ERR_ARG;
  uint64_t c0 = 0, c1 = 0, c2 = 0;
  /* Present x and run FORWARD: the DAC codes go to the p-bits on the way. */
  int rc = pbit_hal_load_input(h, x, L->n_in);
  if (rc == PBIT_HAL_OK) rc = counter(h, PBIT_DP_CNT_CYCLES, &c0);
  if (rc == PBIT_HAL_OK) rc = pbit_hal_run_vector(h, PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH);
  if (rc == PBIT_HAL_OK) rc = counter(h, PBIT_DP_CNT_CYCLES, &c1);
  if (rc == PBIT_HAL_OK && out->acc != NULL) rc = pbit_hal_read_acc(h, out->acc, L->n_out);
  if (rc == PBIT_HAL_OK && out->dac != NULL) rc = pbit_hal_read_dac(h, out->dac, L->n_out);
  /* T samples of N units x K copies. */
  if (rc == PBIT_HAL_OK)
    rc = pbit_hal_pbit_sample(h, L->n_out, L->samples, out->counts, out->states);
  /* Local update of the rows of the active inputs (and the bias). */
  if (rc == PBIT_HAL_OK && delta != NULL) {
    rc = pbit_hal_load_delta(h, delta, L->n_out);
    if (rc == PBIT_HAL_OK) rc = pbit_hal_run_vector(h, PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH);
    if (rc == PBIT_HAL_OK) rc = counter(h, PBIT_DP_CNT_CYCLES, &c2);
  } else {
    c2 = c1;
  }
  if (rc != PBIT_HAL_OK) return rc;
  out->fwd_cycles = c1 - c0;
  out->upd_cycles = c2 - c1;
  return PBIT_HAL_OK;
}
