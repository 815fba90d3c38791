/* The verilated datapath (rtl/pbit_dp_top.sv) behind a C interface: a plain
 * C++ Verilator harness, one build per accelerator configuration.
 *
 * Verilator parameters are fixed at compile time, so make verilates one
 * library per configuration listed in RTL_ACCELS (default: small wide), each
 * with its own prefix (Vdp_small, Vdp_wide), and registers it here.
 * pbit_dp_rtl_create() picks the build whose parameters (read back from its
 * CSRs after reset) equal the requested ones. */
#ifndef PBIT_DP_RTL_H
#define PBIT_DP_RTL_H

#include <stddef.h>
#include <stdint.h>

#include "dp/dp_driver.h"
#include "dp/dp_params.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pbit_dp_rtl pbit_dp_rtl_t;

/* Number of (main) builds compiled into this program, and the name of
 * build k. */
size_t pbit_dp_rtl_num_builds(void);
const char *pbit_dp_rtl_build_name(size_t k);

/* Instantiates the build that matches p (all eight RTL parameters; name
 * and clock_ns do not matter) and applies reset. No match: PBIT_ERR_CONFIG
 * with a message naming the make command that builds one. */
int pbit_dp_rtl_create(const pbit_dp_params_t *p, pbit_dp_rtl_t **out, pbit_error_t *err);
void pbit_dp_rtl_destroy(pbit_dp_rtl_t *r); /* NULL is fine */
const char *pbit_dp_rtl_name(const pbit_dp_rtl_t *r);

/* rst_ni low for two cycles. */
void pbit_dp_rtl_reset(pbit_dp_rtl_t *r);
/* Bus accesses (one clock cycle each; the read data is the rdata_o of the
 * cycle after the request, checked against rvalid_o). */
int pbit_dp_rtl_reg_write(pbit_dp_rtl_t *r, uint32_t addr, uint32_t data);
int pbit_dp_rtl_reg_read(pbit_dp_rtl_t *r, uint32_t addr, uint32_t *data);
/* Clocks with an idle bus until busy_o is low; fails after max_cycles. */
int pbit_dp_rtl_wait_idle(pbit_dp_rtl_t *r, uint64_t max_cycles);
/* Clock cycles simulated since creation. */
uint64_t pbit_dp_rtl_cycles(const pbit_dp_rtl_t *r);
int pbit_dp_rtl_busy(const pbit_dp_rtl_t *r);
/* DAC codes seen on dac_valid_o/dac_chunk_o/dac_codes_o, unit 0..n-1
 * (n <= MAX_UNITS; 0 for units never emitted), and how many chunks have
 * been emitted so far, with the cycle of the last one. */
int pbit_dp_rtl_dac_codes(const pbit_dp_rtl_t *r, int32_t *codes, size_t n);
uint64_t pbit_dp_rtl_dac_chunks(const pbit_dp_rtl_t *r);
uint64_t pbit_dp_rtl_dac_last_cycle(const pbit_dp_rtl_t *r);
/* The bus of the driver layer (dp_driver.h) over this instance. */
pbit_dp_bus_t pbit_dp_rtl_bus(pbit_dp_rtl_t *r);

/* Waveforms (dp_rtl_trace.h). The main builds carry no trace code (it
 * halves their speed even with tracing off) and pbit_dp_rtl_create picks
 * those; the Vdp_<name>_vcd / _fst builds of RTL_VCD_ACCELS / RTL_FST_ACCELS
 * write VCD / FST (a Verilator 5.006 model has one trace format).
 * create_traced picks a build of `format` (PBIT_DP_TRACE_VCD or _FST); no
 * such build for p: PBIT_ERR_CONFIG naming the make command. trace_format:
 * 0 for a main build. */
int pbit_dp_rtl_create_traced(const pbit_dp_params_t *p, int format, pbit_dp_rtl_t **out,
                              pbit_error_t *err);
int pbit_dp_rtl_trace_format(const pbit_dp_rtl_t *r);
/* Writes every signal to path (the build's format) from the next clock on,
 * time in ps with clock period clock_ns (falling edge with the inputs at
 * k*P, rising edge at k*P + P/2). Replaces a trace already open. */
int pbit_dp_rtl_trace_open(pbit_dp_rtl_t *r, const char *path, double clock_ns, pbit_error_t *err);
void pbit_dp_rtl_trace_close(pbit_dp_rtl_t *r); /* also done by destroy */

#ifdef __cplusplus
}
#endif

#endif /* PBIT_DP_RTL_H */
