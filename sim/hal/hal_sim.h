/* Opening the firmware HAL (firmware/hal/hal.h) on a simulation backend,
 * chosen at run time by name:
 *   "model"  the C datapath model (sim/dp/) + the p-bit array (pbit_model/);
 *            time advances by the model's exact cycle counts;
 *   "rtl"    the Verilator harness (sim/dp_rtl/); time = RTL clock count.
 * Both put the p-bit array in the datapath clock, so the same seed gives
 * bit-identical p-bit states, counts and datapath results (docs/cosim.md).
 * "rtl" is available in programs that link libpbit_hal_rtl (and verilated
 * builds); elsewhere pbit_hal_open says so. */
#ifndef PBIT_HAL_SIM_H
#define PBIT_HAL_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "dp/dp_params.h"
#include "hal/hal.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *backend;    /* "model" or "rtl" */
  pbit_dp_params_t accel; /* datapath configuration */
  pbit_device_t device;   /* p-bit device (pbit_config_load_device) */
  uint32_t max_copies;    /* K_max >= 1: the array holds max_units * K_max p-bits */
  double input_lsb;       /* p-bit input per DAC code step (> 0) */
  uint64_t seed;          /* p-bit array seed (variation, draws) */
  double dt_ns;           /* p-bit cycle; 0 = accel.clock_ns */
  uint32_t tiles;         /* tiles (datapath + p-bit array each) on one clock; 0 = 1 */
  const char *trace;      /* waveform file (.vcd or .fst) of the RTL, NULL = none */
} pbit_hal_config_t;

/* Backend names this program offers, NULL-terminated. */
const char *const *pbit_hal_backends(void);
int pbit_hal_open(const pbit_hal_config_t *cfg, pbit_hal_t **out, pbit_error_t *err);
void pbit_hal_close(pbit_hal_t *h); /* NULL is fine */

/* ---- Simulator state, for exact checkpoints (pbitsim train --resume):
 * what the HAL simulates behind hal/hal.h, which firmware never sees. The
 * chip clock and the selected tile; per tile the datapath (registers,
 * memories, FIFO, counters, the backend's clock and pending DAC chunks),
 * the latched DAC codes and copy offsets, and the p-bit array (states,
 * time, counters). Only the "model" backend can save it
 * (pbit_hal_sim_state_supported): the Verilator models of "rtl" and
 * "systemc" cannot be saved, their calls fail with PBIT_ERR_CONFIG.
 * size gives the byte count; save writes that many into buf without
 * changing anything (no clock passes); restore accepts only a state saved
 * by a HAL opened with the same backend, accel, device, max_copies,
 * input_lsb, seed, dt and tiles (err names what differs) and continues
 * exactly where the saved HAL was. A refused restore leaves the HAL
 * unchanged, except after damage found deep in the data (then close it). */
int pbit_hal_sim_state_supported(const pbit_hal_t *h);
int pbit_hal_sim_state_size(const pbit_hal_t *h, size_t *len, pbit_error_t *err);
int pbit_hal_sim_state_save(const pbit_hal_t *h, void *buf, size_t len, pbit_error_t *err);
int pbit_hal_sim_state_restore(pbit_hal_t *h, const void *buf, size_t len, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_HAL_SIM_H */
