/* HAL backend "systemc": the datapath verilated with --sc (one build per
 * accel config in SC_ACCELS, prefix Vdp_sc_<name>) in a SystemC module with
 * an sc_clock of period clock_ns (ns). No sc_main: the backend elaborates
 * every build once per process, lazily on the first create, and each bus
 * access runs sc_start until one clock cycle of that build has passed (the
 * rtl backend's one access per cycle). docs/cosim.md, "SystemC backend".
 *
 * Limits: one elaboration per process (SystemC), so a build is reused by
 * later opens: reset clears its registers, counters and FIFO, but not the
 * SRAM contents (weights, bias, input windows) left by the previous open.
 * One open handle per build at a time. The clock of the accel config must
 * equal the clock_ns the build was made with (configs/accel/<name>.yaml).
 * All builds share SystemC time: stepping one clocks the others (idle). */
#ifndef PBIT_HAL_SYSTEMC_H
#define PBIT_HAL_SYSTEMC_H

#include <stddef.h>

#include "hal_backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* pbit_hal_systemc_backend() is declared in hal_backend.h. */
/* Builds compiled in, and the name of build k. */
size_t pbit_hal_systemc_num_builds(void);
const char *pbit_hal_systemc_build_name(size_t k);
/* SystemC time of the simulation, in ns. */
double pbit_hal_systemc_time_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_HAL_SYSTEMC_H */
