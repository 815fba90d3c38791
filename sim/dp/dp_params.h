/* Parameters of one accelerator datapath configuration (configs/accel/ files).
 * Plain data: the single source of truth for the RTL parameters (generated
 * -G / -P / chparam flags) and for the C model's widths. */
#ifndef PBIT_DP_PARAMS_H
#define PBIT_DP_PARAMS_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  char name[64];   /* configuration name (also names its RTL build) */
  int lanes;       /* LANES: weights per SRAM word, 1..256 */
  int weight_bits; /* WEIGHT_BITS: 2..32 */
  int acc_bits;    /* ACC_BITS: weight_bits..48 */
  int dac_bits;    /* DAC_BITS: 2..acc_bits (and <= 24) */
  int scan_bits;   /* SCAN_BITS: 1..256 */
  int fifo_depth;  /* FIFO_DEPTH: power of two, 2..4096 */
  int max_inputs;  /* MAX_INPUTS: 1..65536 */
  int max_units;   /* MAX_UNITS: 1..65536 */
  double clock_ns; /* clock period for time and static energy, > 0 */
} pbit_dp_params_t;

/* Range and consistency checks; err names the field. */
int pbit_dp_params_validate(const pbit_dp_params_t *p, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_DP_PARAMS_H */
