/* Register map of the indexing-accumulate datapath: the one list shared by
 * the RTL (rtl/pbit_dp_csr.sv), the C model (dp_model.c), the Verilator
 * harness and the drivers. 32-bit registers at word addresses on an 8-bit
 * address bus. docs/datapath.md describes every field. */
#ifndef PBIT_DP_REGS_H
#define PBIT_DP_REGS_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
  PBIT_DP_REG_ID = 0x00,      /* RO 0x50424450 ("PBDP") */
  PBIT_DP_REG_VERSION = 0x01, /* RO 1 */
  PBIT_DP_REG_LANES = 0x02,   /* RO parameters of the build ... */
  PBIT_DP_REG_WEIGHT_BITS = 0x03,
  PBIT_DP_REG_ACC_BITS = 0x04,
  PBIT_DP_REG_DAC_BITS = 0x05,
  PBIT_DP_REG_SCAN_BITS = 0x06,
  PBIT_DP_REG_FIFO_DEPTH = 0x07,
  PBIT_DP_REG_MAX_INPUTS = 0x08,
  PBIT_DP_REG_MAX_UNITS = 0x09,   /* ... */
  PBIT_DP_REG_N_IN = 0x10,        /* RW layer inputs (rows), checked at START */
  PBIT_DP_REG_N_OUT = 0x11,       /* RW layer units (columns), checked at START */
  PBIT_DP_REG_DAC_SHIFT = 0x12,   /* RW DAC right shift, < ACC_BITS at START */
  PBIT_DP_REG_CTRL = 0x13,        /* RW PBIT_DP_CTRL_* (START reads 0) */
  PBIT_DP_REG_STATUS = 0x14,      /* RO PBIT_DP_STATUS_* */
  PBIT_DP_REG_ERR = 0x15,         /* RW1C sticky PBIT_DP_ERR_* */
  PBIT_DP_REG_IDX_PUSH = 0x16,    /* WO push one index into the FIFO */
  PBIT_DP_REG_IDX_LEVEL = 0x17,   /* RO indices in the FIFO */
  PBIT_DP_REG_IDX_CLEAR = 0x18,   /* WO empty the FIFO (any value) */
  PBIT_DP_REG_CNT_CLEAR = 0x19,   /* WO zero every counter (any value) */
  PBIT_DP_REG_WIN_SEL = 0x20,     /* RW window memory, PBIT_DP_WIN_* */
  PBIT_DP_REG_WIN_ROW = 0x21,     /* RW row (weights only) */
  PBIT_DP_REG_WIN_COL = 0x22,     /* RW column; +1 after every WIN_DATA access */
  PBIT_DP_REG_WIN_DATA = 0x23,    /* RW the element at (row, col) */
  PBIT_DP_REG_WIN_DATA_HI = 0x24, /* RO bits 63:32 of the last WIN_DATA read */
  PBIT_DP_REG_CNT_BASE = 0x40     /* RO counter k: lo at 0x40+2k, hi at 0x41+2k */
};

#define PBIT_DP_ID_VALUE 0x50424450u
#define PBIT_DP_VERSION_VALUE 2u /* 2: CTRL SAVE / RESTORE */
#define PBIT_DP_ADDR_MAX 0xffu

/* CTRL */
#define PBIT_DP_CTRL_START 0x01u
#define PBIT_DP_CTRL_UPDATE 0x02u /* MODE: 0 FORWARD, 1 UPDATE */
#define PBIT_DP_CTRL_VECTOR 0x04u /* SRC: 0 FIFO, 1 VECTOR (index generator) */
#define PBIT_DP_CTRL_CLEAR 0x08u  /* FORWARD: zero the accumulators first */
#define PBIT_DP_CTRL_FINISH 0x10u /* bias (+ DAC codes in FORWARD) at the end */
/* FORWARD: after the indices (before the bias), copy the accumulators of
 * chunks 0..C-1 to the saved bank (C cycles); the rest of it reads 0. */
#define PBIT_DP_CTRL_SAVE 0x20u
/* FORWARD: start from the saved bank instead of 0 (implies CLEAR; C cycles). */
#define PBIT_DP_CTRL_RESTORE 0x40u

/* CTRL of one FIFO piece of a longer index list run as one operation
 * (docs/datapath.md): CLEAR and RESTORE on the first piece only, FINISH and
 * SAVE on the last only. */
static inline uint32_t pbit_dp_piece_ctrl(uint32_t ctrl, int first, int last) {
  if (!first) ctrl &= ~(PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_RESTORE);
  if (!last) ctrl &= ~(PBIT_DP_CTRL_FINISH | PBIT_DP_CTRL_SAVE);
  return ctrl;
}

/* STATUS */
#define PBIT_DP_STATUS_BUSY 0x01u
#define PBIT_DP_STATUS_DONE 0x02u
#define PBIT_DP_STATUS_ERROR 0x04u
#define PBIT_DP_STATUS_FIFO_EMPTY 0x08u
#define PBIT_DP_STATUS_FIFO_FULL 0x10u

/* ERR (sticky; write 1 to clear; START is refused while any is set) */
#define PBIT_DP_ERR_BAD_GEOMETRY 0x01u  /* START with n_in/n_out out of range */
#define PBIT_DP_ERR_IDX_RANGE 0x02u     /* pushed index >= n_in (or >= MAX_INPUTS) */
#define PBIT_DP_ERR_FIFO_OVERFLOW 0x04u /* push into a full FIFO */
#define PBIT_DP_ERR_BAD_CTRL 0x08u      /* DAC_SHIFT >= ACC_BITS, VECTOR with queued indices */
#define PBIT_DP_ERR_WIN_RANGE 0x10u     /* window element outside the geometry */
#define PBIT_DP_ERR_BUSY_ACCESS 0x20u   /* write (or window read) while busy */
#define PBIT_DP_ERR_BAD_ADDR 0x40u      /* unmapped address, RO register or window */
#define PBIT_DP_ERR_ALL 0x7fu

/* WIN_SEL */
enum {
  PBIT_DP_WIN_WEIGHT = 0, /* W[row][col], WEIGHT_BITS */
  PBIT_DP_WIN_BIAS = 1,   /* b[col] */
  PBIT_DP_WIN_DELTA = 2,  /* delta[col] */
  PBIT_DP_WIN_INPUT = 3,  /* input vector bit col (< n_in), 0/1 */
  PBIT_DP_WIN_ACC = 4,    /* RO accumulator col, ACC_BITS (hi word in WIN_DATA_HI) */
  PBIT_DP_WIN_DAC = 5     /* RO DAC code of accumulator col with the current DAC_SHIFT */
};

/* Performance counters (64-bit), in register order. */
enum {
  PBIT_DP_CNT_CYCLES = 0,
  PBIT_DP_CNT_STALL_CYCLES = 1,
  PBIT_DP_CNT_INDICES = 2,
  PBIT_DP_CNT_SRAM_READS = 3,
  PBIT_DP_CNT_SRAM_WRITES = 4,
  PBIT_DP_CNT_LANE_ADDS = 5,
  PBIT_DP_CNT_SATURATIONS = 6,
  PBIT_DP_CNT_DAC_CODES = 7,
  PBIT_DP_NUM_COUNTERS = 8
};

#ifdef __cplusplus
}
#endif

#endif /* PBIT_DP_REGS_H */
