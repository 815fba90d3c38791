/* What a HAL backend provides (internal to sim/hal/). Times are clock
 * cycles since the backend was created. */
#ifndef PBIT_HAL_BACKEND_H
#define PBIT_HAL_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "dp/dp_driver.h"
#include "dp/dp_params.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a backend that runs the p-bit array inside its own simulation
 * (systemc: an sc_module on the DAC port) delivers each DAC port chunk, in
 * the cycle it appears: `cycle` in backend time (as `now`), the chunk's
 * index and the codes of its `lanes` lanes. Returns PBIT_OK or an error. */
typedef int (*pbit_hal_dac_sink_fn)(void *user, uint64_t cycle, uint32_t chunk,
                                    const int32_t *codes, uint32_t lanes);

typedef struct {
  const char *name;
  int (*create)(const pbit_dp_params_t *p, void **ctx, pbit_error_t *err);
  void (*destroy)(void *ctx);
  /* Register bus: one cycle per access; wait_idle clocks until not busy. */
  pbit_dp_bus_t (*bus)(void *ctx);
  uint64_t (*now)(void *ctx);
  /* Lets `cycles` clock cycles pass with an idle bus. */
  int (*idle)(void *ctx, uint64_t cycles, pbit_error_t *err);
  /* DAC port chunks emitted since the last call (0 if none), the cycle of
   * the last one, and the codes of units [0, n) as last emitted. */
  uint64_t (*take_dac)(void *ctx, uint64_t *last_cycle, int32_t *codes, size_t n);
  /* Optional (NULL: this backend cannot trace). Starts writing the
   * waveforms of this tile's RTL to `path` (.vcd or .fst) from now on;
   * `tile` is the index of ctx among the tiles of the open HAL. Called
   * right after create, before any other access. */
  int (*trace)(void *ctx, const char *path, uint32_t tile, pbit_error_t *err);
  /* Optional (NULL: the core applies the chunks take_dac reports after
   * each wait). From now on, every DAC chunk goes to fn(user, ...) in the
   * cycle it appears; take_dac then still counts the chunks (and the cycle
   * of the last) but leaves `codes` alone. Once fn returns an error, the
   * backend stops calling it (the core keeps the error). */
  void (*set_dac_sink)(void *ctx, pbit_hal_dac_sink_fn fn, void *user);
} pbit_hal_backend_t;

extern const pbit_hal_backend_t pbit_hal_model_backend;
/* State of a "model" context (its clock, pending DAC chunks and the whole
 * datapath model), for pbit_hal_sim_state_* (hal_sim.h). The other backends
 * have none: their Verilator models cannot be saved. */
size_t pbit_hal_model_state_size(void *ctx);
int pbit_hal_model_state_save(void *ctx, void *buf, size_t len, pbit_error_t *err);
int pbit_hal_model_state_restore(void *ctx, const void *buf, size_t len, pbit_error_t *err);
/* Defined in hal_rtl.c (libpbit_hal_rtl) and hal_systemc.cc; weak here, so a
 * program without them still links and reports that it lacks them. */
const pbit_hal_backend_t *pbit_hal_rtl_backend(void) __attribute__((weak));
const pbit_hal_backend_t *pbit_hal_systemc_backend(void) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#endif /* PBIT_HAL_BACKEND_H */
