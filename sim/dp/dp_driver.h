/* Driving the datapath through its registers, the same way for every
 * backend: the C model (pbit_dp_model_bus) and the verilated RTL
 * (pbit_dp_rtl_bus in sim/dp_rtl/). This is the seed of the firmware HAL:
 * pbitsim datapath and the lockstep tests use it, so both backends see the
 * very same register sequences. */
#ifndef PBIT_DP_DRIVER_H
#define PBIT_DP_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "dp/dp_model.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  void *ctx;
  int (*write)(void *ctx, uint32_t addr, uint32_t data);
  int (*read)(void *ctx, uint32_t addr, uint32_t *data);
  /* Optional: clock an idle bus until BUSY falls (the RTL harness does it
   * faster than polling STATUS); NULL: poll STATUS. */
  int (*wait_idle)(void *ctx, uint64_t max_cycles);
} pbit_dp_bus_t;

/* The register interface of a C model as a bus. */
pbit_dp_bus_t pbit_dp_model_bus(pbit_dp_t *dp);

/* "BAD_GEOMETRY|IDX_RANGE" for an ERR value ("none" for 0). */
void pbit_dp_err_names(uint32_t err_bits, char *buf, size_t len);

/* Checks ID, VERSION and the eight parameter registers against p. */
int pbit_dp_drv_check(const pbit_dp_bus_t *bus, const pbit_dp_params_t *p, pbit_error_t *err);
/* N_IN, N_OUT, DAC_SHIFT. */
int pbit_dp_drv_geometry(const pbit_dp_bus_t *bus, uint32_t n_in, uint32_t n_out,
                         uint32_t dac_shift, pbit_error_t *err);
/* n consecutive window elements from (row, col); fails (PBIT_ERR_RUNTIME)
 * if the accesses raise an error flag (flags set before are ignored, and
 * left set). Reads give the 64-bit sign-extended
 * element (WIN_DATA_HI is read too for the accumulator window). */
int pbit_dp_drv_win_write(const pbit_dp_bus_t *bus, uint32_t sel, uint32_t row, uint32_t col,
                          const int32_t *v, size_t n, pbit_error_t *err);
int pbit_dp_drv_win_read(const pbit_dp_bus_t *bus, uint32_t sel, uint32_t row, uint32_t col,
                         int64_t *v, size_t n, pbit_error_t *err);
/* Waits until STATUS.BUSY is low. */
int pbit_dp_drv_wait(const pbit_dp_bus_t *bus, pbit_error_t *err);
/* One operation over an index list of any length with the FIFO source, in
 * pieces of at most fifo_depth indices: push the piece, START (CLEAR only
 * on the first piece, FINISH only on the last), wait. An empty list is one
 * START. Fails with PBIT_ERR_RUNTIME, naming the ERR flags, if the
 * datapath refuses a piece. */
int pbit_dp_drv_run(const pbit_dp_bus_t *bus, uint32_t fifo_depth, uint32_t ctrl,
                    const uint32_t *idx, size_t n, pbit_error_t *err);
/* One START with the VECTOR source (the input window must be loaded). */
int pbit_dp_drv_run_vector(const pbit_dp_bus_t *bus, uint32_t ctrl, pbit_error_t *err);
/* The eight 64-bit counters (lo then hi of each). */
int pbit_dp_drv_counters(const pbit_dp_bus_t *bus, pbit_dp_counters_t *c, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_DP_DRIVER_H */
