/* The hardware abstraction layer (HAL) of the p-bit accelerator: the one
 * header firmware includes to talk to the accelerator. It offers the
 * register bus of the indexing-accumulate datapath (register map:
 * dp/dp_regs.h, docs/datapath.md), bulk loads of its memory windows,
 * FORWARD/UPDATE operations and the p-bit array behind the DAC port.
 *
 * The handle is opaque; the simulator opens it on a backend chosen at run
 * time by name (sim/hal/hal_sim.h: "model", "rtl" or "systemc"). Firmware written
 * against this header runs unchanged on every backend, and the same seed
 * gives bit-identical results (docs/cosim.md).
 *
 * Time: every register access is one clock cycle, an operation keeps the
 * datapath busy for its exact cycle count (docs/datapath.md), and the p-bit
 * array lives in the same clock: p-bit cycle = datapath clock cycle.
 *
 * Every function returns PBIT_HAL_OK (0) or a negative PBIT_HAL_ERR_*;
 * pbit_hal_error() names what went wrong. Nothing prints. */
#ifndef PBIT_HAL_H
#define PBIT_HAL_H

#include <stddef.h>
#include <stdint.h>

#include "dp/dp_regs.h" /* register addresses, CTRL/STATUS/ERR bits, windows */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pbit_hal pbit_hal_t;

typedef enum {
  PBIT_HAL_OK = 0,
  PBIT_HAL_ERR_ARG = -1,    /* bad argument (NULL, out of range, too large) */
  PBIT_HAL_ERR_CONFIG = -2, /* unknown backend, no build for the accel, bad device */
  PBIT_HAL_ERR_NOMEM = -4,  /* allocation failed */
  PBIT_HAL_ERR_DEVICE = -6, /* the accelerator raised an error flag / never went idle */
} pbit_hal_status_t;

/* Message of the last failure ("" if none). */
const char *pbit_hal_error(const pbit_hal_t *h);
/* Name of the backend ("model", "rtl"). */
const char *pbit_hal_backend(const pbit_hal_t *h);

/* What the accelerator offers (parameter registers + p-bit interface). */
typedef struct {
  uint32_t lanes, weight_bits, acc_bits, dac_bits, scan_bits, fifo_depth;
  uint32_t max_inputs, max_units;
  uint32_t max_copies; /* K: p-bits per unit (the array holds max_units * max_copies) */
  double clock_ns;     /* clock period = p-bit cycle */
  uint32_t tiles;      /* tiles on the chip (pbit_hal_select) */
} pbit_hal_info_t;
int pbit_hal_info(pbit_hal_t *h, pbit_hal_info_t *out); /* reads the registers */

/* ---- Tiles. The accelerator has one or more tiles on one clock, each a
 * datapath with its own memories, registers, counters and p-bit array (a
 * network maps one layer per tile). Every call below acts on the selected
 * tile (tile 0 after open); the others stay idle. Selecting waits for the
 * current tile's operation to finish. */
#define PBIT_HAL_MAX_TILES 16
int pbit_hal_select(pbit_hal_t *h, uint32_t tile);
uint32_t pbit_hal_tiles(const pbit_hal_t *h);

/* ---- Register bus (one clock cycle per access). */
int pbit_hal_reg_write(pbit_hal_t *h, uint32_t addr, uint32_t data);
int pbit_hal_reg_read(pbit_hal_t *h, uint32_t addr, uint32_t *data);

/* ---- Geometry and memory windows (bulk, through WIN_* registers; fail
 * with PBIT_HAL_ERR_DEVICE if the accesses raise an ERR flag). */
int pbit_hal_set_geometry(pbit_hal_t *h, uint32_t n_in, uint32_t n_out, uint32_t dac_shift);
/* Rows [row0, row0 + rows) of W, ncols columns each, row-major in w. */
int pbit_hal_load_weights(pbit_hal_t *h, uint32_t row0, uint32_t rows, uint32_t ncols,
                          const int32_t *w);
int pbit_hal_read_weights(pbit_hal_t *h, uint32_t row0, uint32_t rows, uint32_t ncols, int32_t *w);
int pbit_hal_load_bias(pbit_hal_t *h, const int32_t *b, size_t n);
int pbit_hal_read_bias(pbit_hal_t *h, int32_t *b, size_t n);
int pbit_hal_load_delta(pbit_hal_t *h, const int32_t *d, size_t n);
/* Binary input vector x[0..n) (nonzero = 1) into the INPUT window. */
int pbit_hal_load_input(pbit_hal_t *h, const uint8_t *x, size_t n);
/* Input bits [col, col + n) only (the rest of the window keeps its bits). */
int pbit_hal_load_input_at(pbit_hal_t *h, uint32_t col, const uint8_t *x, size_t n);
/* Accumulators (sign-extended to 64 bits) and DAC codes of units [0, n). */
int pbit_hal_read_acc(pbit_hal_t *h, int64_t *acc, size_t n);
int pbit_hal_read_dac(pbit_hal_t *h, int32_t *codes, size_t n);

/* ---- Operations. ctrl: PBIT_DP_CTRL_UPDATE (else FORWARD), _CLEAR,
 * _FINISH (START and VECTOR are set by these calls). Both start and wait;
 * PBIT_HAL_ERR_DEVICE (ERR flags named) if the datapath refuses. */
/* Index list of any length through the FIFO, in FIFO_DEPTH pieces. */
int pbit_hal_run_list(pbit_hal_t *h, uint32_t ctrl, const uint32_t *idx, size_t n);
/* The input vector (INPUT window) through the index generator. */
int pbit_hal_run_vector(pbit_hal_t *h, uint32_t ctrl);
/* For firmware that writes CTRL itself: clock until BUSY is low. */
int pbit_hal_wait(pbit_hal_t *h);

/* ---- Counters. */
int pbit_hal_counters(pbit_hal_t *h, uint64_t c[PBIT_DP_NUM_COUNTERS]); /* over the bus */
int pbit_hal_clear_counters(pbit_hal_t *h);                             /* CNT_CLEAR */
/* Clock cycles since the HAL was opened (= p-bit time), on the chip's one
 * clock (all tiles). */
uint64_t pbit_hal_now(const pbit_hal_t *h);

/* ---- p-bits. Unit j has K copies, p-bits j*K + k (k = 0..K-1). Copy k
 * of unit j is driven with DAC code code_j + offset_k, where code_j is the
 * code the datapath emitted for unit j on its DAC port (FORWARD with
 * FINISH), applied in the cycle the port carries it. The p-bit input is
 * (code_j + offset_k) * input_lsb (input_lsb fixed when the HAL is opened).
 *
 * Sets K (1..max_copies) and the per-copy offsets (NULL: all 0). Re-drives
 * every p-bit from the latched codes in the current cycle; later FORWARDs
 * drive with these offsets. (BSFF: offset_k = -(k + 1/2) * step.) */
int pbit_hal_pbit_copies(pbit_hal_t *h, uint32_t copies, const int32_t *offsets);
/* Lets T cycles pass (the datapath idles, one clock per cycle) and reads
 * the p-bits of units [0, n_units) x K copies after each cycle.
 * counts[j] (if not NULL) = sum over copies and cycles of unit j's states
 * (0..K*T); states (if not NULL) gets T rows of n_units*K bytes (0/1). */
int pbit_hal_pbit_sample(pbit_hal_t *h, uint32_t n_units, uint32_t cycles, uint32_t *counts,
                         uint8_t *states);
/* The latched DAC codes driving units [0, n) (0 before any emission). */
int pbit_hal_pbit_codes(pbit_hal_t *h, int32_t *codes, size_t n);

typedef struct {
  uint64_t samples;     /* p-bit reads */
  uint64_t flips;       /* reads differing from the previous read of that p-bit */
  uint64_t dac_writes;  /* input changes */
  uint64_t pbit_cycles; /* p-bits x cycles elapsed */
  uint64_t cycles;      /* cycles elapsed in the p-bit array */
  uint64_t dac_chunks;  /* DAC port chunks taken from the datapath */
} pbit_hal_pbit_counters_t;
int pbit_hal_pbit_counters(pbit_hal_t *h, pbit_hal_pbit_counters_t *out);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_HAL_H */
