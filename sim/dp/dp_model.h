/* The C functional model of the indexing-accumulate datapath (rtl/).
 *
 * Bit-exact with the RTL: the same widths, saturation, rounding, error flags
 * and performance counters, cycles included. Operations complete at START:
 * the model computes their cycle count from the exact formulas of
 * docs/datapath.md (a closed form for the FIFO source, a max-plus recurrence
 * over the indices for the VECTOR source) instead of stepping a clock.
 *
 * Two interfaces over one state:
 *  - register level (pbit_dp_reg_write / pbit_dp_reg_read): the CSR map of
 *    dp_regs.h, so that a HAL drives the model and the RTL the same way;
 *  - direct calls for trainers (pbit_dp_win_*, pbit_dp_push, pbit_dp_start,
 *    pbit_dp_run): each is defined as, and leaves exactly the same state as,
 *    the register sequence named in its comment. */
#ifndef PBIT_DP_MODEL_H
#define PBIT_DP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "dp/dp_params.h"
#include "dp/dp_regs.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pbit_dp pbit_dp_t;

/* The eight performance counters (docs/datapath.md), in register order. */
typedef struct {
  uint64_t v[PBIT_DP_NUM_COUNTERS];
} pbit_dp_counters_t;

/* Counter name as used in c.json ("cycles", "stall_cycles", ...); NULL when
 * k is out of range. */
const char *pbit_dp_counter_name(int k);

/* Creates a model in its reset state (every register and memory zero).
 * p must pass pbit_dp_params_validate. */
int pbit_dp_create(const pbit_dp_params_t *p, pbit_dp_t **out, pbit_error_t *err);
void pbit_dp_destroy(pbit_dp_t *dp); /* NULL is fine */
/* rst_ni: registers, FIFO and counters to zero, accumulators invalid (0).
 * The weight, bias, delta and input memories keep their contents (SRAMs
 * have no reset). */
void pbit_dp_reset(pbit_dp_t *dp);
const pbit_dp_params_t *pbit_dp_get_params(const pbit_dp_t *dp);

/* ---- Register level. addr is a word address (<= PBIT_DP_ADDR_MAX).
 * Returns PBIT_ERR_ARG only for a NULL model/pointer or an address the bus
 * cannot carry; everything else is reported as the hardware does, in ERR. */
int pbit_dp_reg_write(pbit_dp_t *dp, uint32_t addr, uint32_t data);
int pbit_dp_reg_read(pbit_dp_t *dp, uint32_t addr, uint32_t *data);

/* ---- Direct calls (fast paths with register semantics). */

/* = write N_IN, N_OUT, DAC_SHIFT. */
int pbit_dp_set_geometry(pbit_dp_t *dp, uint32_t n_in, uint32_t n_out, uint32_t dac_shift);
/* = write WIN_SEL, WIN_ROW, WIN_COL, then n writes of WIN_DATA (v[k]). */
int pbit_dp_win_write(pbit_dp_t *dp, uint32_t sel, uint32_t row, uint32_t col, const int32_t *v,
                      size_t n);
/* = write WIN_SEL, WIN_ROW, WIN_COL, then n reads of WIN_DATA, each with
 * WIN_DATA_HI as bits 63:32 of v[k]. */
int pbit_dp_win_read(pbit_dp_t *dp, uint32_t sel, uint32_t row, uint32_t col, int64_t *v, size_t n);
/* = n writes of IDX_PUSH. */
int pbit_dp_push(pbit_dp_t *dp, const uint32_t *idx, size_t n);
/* = write CTRL = ctrl | START. */
int pbit_dp_start(pbit_dp_t *dp, uint32_t ctrl);
/* One operation over a list of any length, as a driver does it with the
 * FIFO source: pieces of at most FIFO_DEPTH indices (push, START), CLEAR on
 * the first piece only, FINISH on the last only; an empty list is one START.
 * Stops at the first refused START. Returns PBIT_OK, or PBIT_ERR_RUNTIME
 * when ERR is not zero afterwards (read it with pbit_dp_errors). */
int pbit_dp_run(pbit_dp_t *dp, uint32_t ctrl, const uint32_t *idx, size_t n);

uint32_t pbit_dp_errors(const pbit_dp_t *dp); /* ERR */
void pbit_dp_get_counters(const pbit_dp_t *dp, pbit_dp_counters_t *c);
/* The DAC codes last sent to the p-bit array (dac_valid_o), unit 0..n-1;
 * units never emitted read 0. */
int pbit_dp_dac_codes(const pbit_dp_t *dp, int32_t *codes, size_t n);

/* ---- State, for exact checkpoints: every register, memory (weights,
 * bias, delta, input window, accumulators, DAC codes), the FIFO and the
 * counters, with the parameters it belongs to. state_size is the byte
 * count; save writes exactly that many (len >= state_size); restore
 * accepts only a state of exactly that size saved under the same
 * parameters (err names the accel otherwise) and leaves the model
 * unchanged when it refuses. */
size_t pbit_dp_state_size(const pbit_dp_t *dp);
int pbit_dp_state_save(const pbit_dp_t *dp, void *buf, size_t len, pbit_error_t *err);
int pbit_dp_state_restore(pbit_dp_t *dp, const void *buf, size_t len, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_DP_MODEL_H */
