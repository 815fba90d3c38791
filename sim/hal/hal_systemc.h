/* HAL backend "systemc": the datapath verilated with --sc (one build per
 * accel config in SC_ACCELS, prefix Vdp_sc_<name>) in a SystemC module with
 * a gated clock of period clock_ns (ns). No sc_main: the backend elaborates
 * every build once per process, lazily on first use (first create, trace or
 * pbit_hal_systemc_run), with PBIT_HAL_SYSTEMC_SLOTS slots (instances) per
 * build. docs/cosim.md, "SystemC backend".
 *
 * Time: each bus access is one clock cycle of its slot. Called from plain
 * code, the backend writes the slot's clock and runs sc_start for each half
 * period; called from an SC_THREAD (pbit_hal_systemc_run), it wait()s for
 * the slot's falling edge, made by a clock process. Both give the same
 * results and cycle counts. Only the slot being driven is clocked: an idle
 * slot's clock stops, so its state, counters and now() stand still.
 *
 * The p-bit array of each slot is an sc_module on the datapath's DAC port;
 * it hands every chunk, in its cycle, to the HAL core (set_dac_sink).
 *
 * Limits: one elaboration per process (SystemC), so a slot is reused by
 * later opens; it starts as a fresh model (SRAMs zeroed, then reset). At
 * most PBIT_HAL_SYSTEMC_SLOTS open handles (tiles) per build. The clock of
 * the accel config must equal the clock_ns the build was made with
 * (configs/accel/<name>.yaml). All slots share SystemC time. Waveforms: VCD
 * (SC_TRACE_ACCELS builds) or FST (SC_FST_ACCELS builds). */
#ifndef PBIT_HAL_SYSTEMC_H
#define PBIT_HAL_SYSTEMC_H

#include <stddef.h>

#include "hal_backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PBIT_HAL_SYSTEMC_SLOTS
#define PBIT_HAL_SYSTEMC_SLOTS 4 /* instances (open handles) per build */
#endif

/* pbit_hal_systemc_backend() is declared in hal_backend.h. */
/* Builds compiled in, the name of build k, slots per build. */
size_t pbit_hal_systemc_num_builds(void);
const char *pbit_hal_systemc_build_name(size_t k);
size_t pbit_hal_systemc_slots(void);
/* SystemC time of the simulation, in ns. */
double pbit_hal_systemc_time_ns(void);

/* For a program with its own sc_main whose modules run firmware in their
 * own SC_THREADs: creates the backend's slots in the current elaboration.
 * Call it before the first sc_start (the backend cannot add modules once
 * the simulation runs); afterwards pbit_hal_open works from those threads
 * (each access waits on the slot's clock). Idempotent; PBIT_ERR_RUNTIME if
 * SystemC refuses (e.g. after sc_start). sim/tools/sc_top.cc shows the
 * whole pattern. */
int pbit_hal_systemc_elaborate(pbit_error_t *err);

/* Runs fn(arg) as an SC_THREAD of the elaborated top (the firmware as a bus
 * master) and returns when it returns: sc_start runs until then. Inside
 * fn, every systemc backend access waits on the clock instead of calling
 * sc_start; fn may open and close HAL handles. Returns what fn returned;
 * if fn could not run to its end, a negative PBIT_ERR_* with err set (NULL
 * fn, called from inside a SystemC thread, the thread blocked); err->status
 * is PBIT_OK when fn ran. */
int pbit_hal_systemc_run(int (*fn)(void *), void *arg, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_HAL_SYSTEMC_H */
