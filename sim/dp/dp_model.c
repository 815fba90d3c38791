/* The C functional model of the indexing-accumulate datapath. The contract
 * it shares with rtl/ is docs/datapath.md; every rule below cites it. */
#include "dp/dp_model.h"

#include <stdlib.h>
#include <string.h>

#include "state.h"

struct pbit_dp {
  pbit_dp_params_t p;
  int L, wb, ab, db, sb, fd, mi, mu;
  size_t cmax;                 /* ceil(MU / L) words per row */
  size_t stride;               /* int32 elements per row, cmax * L rounded up to 16 */
  int16_t *w16;                /* MI x stride weights when WEIGHT_BITS <= 16 ... */
  int32_t *w32;                /* ... else here (the other one is NULL) */
  int32_t *bias, *delta, *dac; /* stride each */
  int16_t *delta16;            /* stride: copy of delta when WEIGHT_BITS <= 16 */
  int64_t *acc;                /* stride: accumulators when ACC_BITS > 31 */
  int64_t *sav;                /* stride: the saved accumulator bank (SAVE, RESTORE) */
  uint8_t *vec;                /* MI input bits, one per byte */
  uint32_t *fifo;              /* FD queued indices (a FIFO-source op pops them all) */
  uint32_t *list;              /* MI scratch: VECTOR-source index list */
  int32_t *acc32;              /* stride: accumulators when ACC_BITS <= 31 */
  int64_t *ring;               /* FD scratch: pop cycles of the recurrence */
  /* Fast-path bookkeeping (not architectural state): rowmax[i] bounds
   * |W[i][j]| for j < n_out when rowepoch[i] == epoch; the epoch moves
   * whenever N_OUT is written. */
  uint32_t *rowmax, *rowepoch;
  uint32_t epoch;
  size_t fifo_n;
  uint32_t idx_max;
  /* registers */
  uint32_t n_in, n_out, shift, ctrl, err, win_sel, win_row, win_col, hi;
  int done;
  uint64_t cnt[PBIT_DP_NUM_COUNTERS];
};

static const char *const kCounterNames[PBIT_DP_NUM_COUNTERS] = {
    "cycles",      "stall_cycles", "indices",     "sram_reads",
    "sram_writes", "lane_adds",    "saturations", "dac_codes"};

const char *pbit_dp_counter_name(int k) {
  return (k >= 0 && k < PBIT_DP_NUM_COUNTERS) ? kCounterNames[k] : NULL;
}

/* ------------------------------------------------------------ arithmetic */

static int64_t sext(uint64_t v, int bits) {
  uint64_t m = (uint64_t)1 << (bits - 1);
  v &= (bits == 64) ? ~(uint64_t)0 : (((uint64_t)1 << bits) - 1);
  return (int64_t)((v ^ m) - m);
}

static int64_t smax(int bits) { return ((int64_t)1 << (bits - 1)) - 1; }
static int64_t smin(int bits) { return -((int64_t)1 << (bits - 1)); }

/* Arithmetic shift right (floor division by 2^s), 0 <= s <= 63. */
static int64_t asr(int64_t v, unsigned s) {
  return v >= 0 ? (int64_t)((uint64_t)v >> s) : ~(int64_t)((uint64_t)~v >> s);
}

/* pbit_dp_dac_lane: code = sat((acc + r) >>> s, DB), r = 2^(s-1) (s > 0),
 * in ACC_BITS+1 bits. The engine only sees s < ACC_BITS (START checks it);
 * the DAC window applies the low 6 bits of DAC_SHIFT as the RTL does: a
 * rounding term that no longer fits ACC_BITS+1 bits is 0. */
static int32_t dac_code(int64_t acc, uint32_t shift, int ab, int db, int *sat) {
  unsigned s = shift & 63u;
  int64_t r = (s >= 1 && (int)s <= ab) ? ((int64_t)1 << (s - 1)) : 0;
  int64_t v = asr(acc + r, s);
  int64_t hi = smax(db), lo = smin(db);
  *sat = v > hi || v < lo;
  return (int32_t)(v > hi ? hi : v < lo ? lo : v);
}

/* The accumulators live in acc32 (ACC_BITS <= 31) or acc (wider). */
static int64_t acc_get(const pbit_dp_t *dp, size_t j) {
  return dp->ab <= 31 ? dp->acc32[j] : dp->acc[j];
}

static void clear_acc(pbit_dp_t *dp) {
  memset(dp->acc, 0, dp->stride * sizeof(int64_t));
  memset(dp->acc32, 0, dp->stride * sizeof(int32_t));
}

/* SAVE: all L lanes of chunks 0..c-1 to the saved bank, the rest 0. */
static void save_acc(pbit_dp_t *dp, size_t lanes) {
  for (size_t j = 0; j < lanes; j++) dp->sav[j] = acc_get(dp, j);
  memset(dp->sav + lanes, 0, (dp->stride - lanes) * sizeof(int64_t));
}

/* RESTORE: CLEAR, then lanes of chunks 0..c-1 from the saved bank. */
static void restore_acc(pbit_dp_t *dp, size_t lanes) {
  clear_acc(dp);
  for (size_t j = 0; j < lanes; j++) {
    if (dp->ab <= 31)
      dp->acc32[j] = (int32_t)dp->sav[j];
    else
      dp->acc[j] = dp->sav[j];
  }
}

/* ------------------------------------------------------------ lifetime */

static void *zalloc(size_t n, size_t size) {
  if (n == 0) n = 1;
  return calloc(n, size);
}

int pbit_dp_create(const pbit_dp_params_t *p, pbit_dp_t **out, pbit_error_t *err) {
  if (out == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "out is NULL");
  *out = NULL;
  int rc = pbit_dp_params_validate(p, err);
  if (rc != PBIT_OK) return rc;
  pbit_dp_t *dp = zalloc(1, sizeof(*dp));
  if (dp == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  dp->p = *p;
  dp->L = p->lanes;
  dp->wb = p->weight_bits;
  dp->ab = p->acc_bits;
  dp->db = p->dac_bits;
  dp->sb = p->scan_bits;
  dp->fd = p->fifo_depth;
  dp->mi = p->max_inputs;
  dp->mu = p->max_units;
  dp->cmax = ((size_t)dp->mu + (size_t)dp->L - 1) / (size_t)dp->L;
  dp->stride = (dp->cmax * (size_t)dp->L + 15) & ~(size_t)15;
  /* calloc of the big weight array maps zero pages lazily. */
  if (dp->wb <= 16)
    dp->w16 = zalloc((size_t)dp->mi * dp->stride, sizeof(int16_t));
  else
    dp->w32 = zalloc((size_t)dp->mi * dp->stride, sizeof(int32_t));
  dp->bias = zalloc(dp->stride, sizeof(int32_t));
  dp->delta = zalloc(dp->stride, sizeof(int32_t));
  dp->delta16 = zalloc(dp->stride, sizeof(int16_t));
  dp->dac = zalloc(dp->stride, sizeof(int32_t));
  dp->acc = zalloc(dp->stride, sizeof(int64_t));
  dp->sav = zalloc(dp->stride, sizeof(int64_t));
  dp->acc32 = zalloc(dp->stride, sizeof(int32_t));
  dp->vec = zalloc((size_t)dp->mi, 1);
  dp->fifo = zalloc((size_t)dp->fd, sizeof(uint32_t));
  dp->list = zalloc((size_t)dp->mi, sizeof(uint32_t));
  dp->ring = zalloc((size_t)dp->fd, sizeof(int64_t));
  dp->rowmax = zalloc((size_t)dp->mi, sizeof(uint32_t));
  dp->rowepoch = zalloc((size_t)dp->mi, sizeof(uint32_t));
  dp->epoch = 1; /* every row stale */
  if ((!dp->w16 && !dp->w32) || !dp->bias || !dp->delta || !dp->delta16 || !dp->dac || !dp->acc ||
      !dp->sav || !dp->acc32 || !dp->vec || !dp->fifo || !dp->list || !dp->ring || !dp->rowmax ||
      !dp->rowepoch) {
    pbit_dp_destroy(dp);
    return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory for accel '%s'", p->name);
  }
  *out = dp;
  return PBIT_OK;
}

void pbit_dp_destroy(pbit_dp_t *dp) {
  if (dp == NULL) return;
  free(dp->w16);
  free(dp->w32);
  free(dp->bias);
  free(dp->delta);
  free(dp->delta16);
  free(dp->dac);
  free(dp->acc);
  free(dp->sav);
  free(dp->acc32);
  free(dp->vec);
  free(dp->fifo);
  free(dp->list);
  free(dp->ring);
  free(dp->rowmax);
  free(dp->rowepoch);
  free(dp);
}

void pbit_dp_reset(pbit_dp_t *dp) {
  if (dp == NULL) return;
  dp->fifo_n = 0;
  dp->idx_max = 0;
  dp->n_in = dp->n_out = dp->shift = dp->ctrl = dp->err = 0;
  dp->win_sel = dp->win_row = dp->win_col = dp->hi = 0;
  dp->done = 0;
  memset(dp->cnt, 0, sizeof(dp->cnt));
  clear_acc(dp); /* valid bits cleared */
  memset(dp->sav, 0, dp->stride * sizeof(int64_t));
}

const pbit_dp_params_t *pbit_dp_get_params(const pbit_dp_t *dp) {
  return dp == NULL ? NULL : &dp->p;
}

/* ------------------------------------------------------------ operations */

/* N_OUT changed: every row bound is stale (0 is never a current epoch). */
static void bump_epoch(pbit_dp_t *dp) {
  if (++dp->epoch == 0) {
    memset(dp->rowepoch, 0, (size_t)dp->mi * sizeof(uint32_t));
    dp->epoch = 1;
  }
}

static uint32_t row_bound(pbit_dp_t *dp, uint32_t i);
static uint32_t max_abs_32(const int32_t *a, size_t n);

#define DPK_T int16_t
#define DPK(name) name##_16
#include "dp/dp_kernels.inc"
#undef DPK_T
#undef DPK
#define DPK_T int32_t
#define DPK(name) name##_32
#include "dp/dp_kernels.inc"
#undef DPK_T
#undef DPK

/* Bound of |W[i][j]|, j < n_out, recomputed when stale. */
static uint32_t row_bound(pbit_dp_t *dp, uint32_t i) {
  if (dp->rowepoch[i] != dp->epoch) {
    size_t off = (size_t)i * dp->stride;
    dp->rowmax[i] =
        dp->w16 ? max_abs_16(dp->w16 + off, dp->n_out) : max_abs_32(dp->w32 + off, dp->n_out);
    dp->rowepoch[i] = dp->epoch;
  }
  return dp->rowmax[i];
}

/* dst[j] = sat(dst[j] + add[j], 32 bits), j < n, for WEIGHT_BITS = 32 (the
 * sum needs int64). Returns the clamps; *maxabs gets max |dst[j]|. */
static uint64_t sat_add_row_wide(int32_t *restrict dst, const int32_t *restrict add, size_t n,
                                 uint32_t *maxabs) {
  uint64_t s = 0;
  uint32_t m = 0;
  for (size_t j = 0; j < n; j++) {
    int64_t t = (int64_t)dst[j] + add[j];
    int64_t c = t < INT32_MIN ? INT32_MIN : t > INT32_MAX ? INT32_MAX : t;
    s += (uint64_t)(c != t);
    dst[j] = (int32_t)c;
    uint32_t x = c < 0 ? (uint32_t)(-c) : (uint32_t)c;
    m = x > m ? x : m;
  }
  *maxabs = m;
  return s;
}

/* Weight element access (windows). */
static int32_t w_get(const pbit_dp_t *dp, size_t i, size_t j) {
  size_t k = i * dp->stride + j;
  return dp->w16 ? dp->w16[k] : dp->w32[k];
}

static void w_set(pbit_dp_t *dp, size_t i, size_t j, int32_t v) {
  size_t k = i * dp->stride + j;
  if (dp->w16)
    dp->w16[k] = (int16_t)v;
  else
    dp->w32[k] = v;
  dp->rowepoch[i] = 0; /* bound stale */
}

/* RUN cycles of a VECTOR-source operation (docs/datapath.md, "VECTOR
 * source"): e_k push cycle and p_k pop cycle of index k (1-based, RUN cycle
 * 1 is the first after SETUP), w_k = idx_k / SCAN_BITS its window,
 *   e_k = max(e_{k-1} + 1 + (w_k - w_{k-1}), p_{k-FD} + 1),
 *   p_k = max(p_{k-1} + C, e_k + 1),          e_0 = 0, w_0 = -1, p_0 = 1 - C,
 * the generator is done from cycle e_P + (W - w_P) (W windows), and RUN
 * ends at X = max(p_P + C, e_P + W - w_P): R = X - 1 cycles. */
static int64_t vector_run_cycles(pbit_dp_t *dp, const uint32_t *idx, size_t n, int64_t c) {
  int64_t e = 0, wprev = -1, p = 1 - c;
  int64_t nwin = ((int64_t)dp->n_in + dp->sb - 1) / dp->sb;
  size_t fd = (size_t)dp->fd;
  for (size_t k = 0; k < n; k++) {
    int64_t wk = (int64_t)(idx[k] / (uint32_t)dp->sb);
    e = e + 1 + (wk - wprev);
    if (k >= fd) {
      int64_t free_at = dp->ring[k % fd] + 1; /* p_{k-FD} + 1 */
      if (free_at > e) e = free_at;
    }
    p = (p + c > e + 1) ? p + c : e + 1;
    dp->ring[k % fd] = p;
    wprev = wk;
  }
  int64_t done_from = e + nwin - wprev;
  int64_t x = (p + c > done_from) ? p + c : done_from;
  return x - 1;
}

/* One accepted operation (docs/datapath.md, "Operation and timing"). */
static void run_op(pbit_dp_t *dp, uint32_t ctrl) {
  int update = (ctrl & PBIT_DP_CTRL_UPDATE) != 0;
  int vector = (ctrl & PBIT_DP_CTRL_VECTOR) != 0;
  int finish = (ctrl & PBIT_DP_CTRL_FINISH) != 0;
  int save = !update && (ctrl & PBIT_DP_CTRL_SAVE) != 0;
  int restore = !update && (ctrl & PBIT_DP_CTRL_RESTORE) != 0;
  size_t n_out = dp->n_out;
  size_t L = (size_t)dp->L;
  int64_t c = (int64_t)((n_out + L - 1) / L);

  const uint32_t *idx = dp->fifo;
  size_t n = dp->fifo_n;
  if (vector) {
    n = 0;
    for (uint32_t i = 0; i < dp->n_in; i++)
      if (dp->vec[i]) dp->list[n++] = i;
    idx = dp->list;
  }
  int64_t run = vector ? vector_run_cycles(dp, idx, n, c) : (int64_t)n * c;
  int64_t tail = (finish ? (update ? c : 2 * c) : 0) + (save + restore) * c;
  uint64_t ops = (uint64_t)n + (finish ? 1u : 0u); /* rows (+ the bias row) */
  uint64_t sats = 0;

  if (!update) {
    if (restore)
      restore_acc(dp, (size_t)c * L);
    else if (ctrl & PBIT_DP_CTRL_CLEAR)
      clear_acc(dp);
    if (dp->ab <= 31 && dp->w16) {
      sats += fwd_rows32_16(dp, dp->w16, dp->acc32, idx, n, n_out);
    } else if (dp->ab <= 31) {
      sats += fwd_rows32_32(dp, dp->w32, dp->acc32, idx, n, n_out);
    } else if (dp->w16) {
      sats +=
          fwd_rows64_16(dp->acc, dp->w16, dp->stride, idx, n, n_out, smin(dp->ab), smax(dp->ab));
    } else {
      sats +=
          fwd_rows64_32(dp->acc, dp->w32, dp->stride, idx, n, n_out, smin(dp->ab), smax(dp->ab));
    }
    if (save) save_acc(dp, (size_t)c * L);
    if (finish) {
      /* the bias row: the same saturating add, from the bias memory */
      uint32_t zero = 0;
      if (dp->ab <= 31)
        sats +=
            clamp_add_32(dp->acc32, dp->bias, n_out, (int32_t)smin(dp->ab), (int32_t)smax(dp->ab));
      else
        sats += fwd_rows64_32(dp->acc, dp->bias, 0, &zero, 1, n_out, smin(dp->ab), smax(dp->ab));
      /* The port carries all L lanes of chunks 0..C-1; only lanes < n_out
       * count (codes and clamps). */
      for (size_t j = 0; j < (size_t)c * L; j++) {
        int s;
        dp->dac[j] = dac_code(acc_get(dp, j), dp->shift, dp->ab, dp->db, &s);
        if (j < n_out) sats += (uint64_t)s;
      }
      dp->cnt[PBIT_DP_CNT_DAC_CODES] += n_out;
    }
  } else {
    uint32_t dmax = max_abs_32(dp->delta, n_out), bmax;
    for (size_t k = 0; k < n; k++) {
      size_t off = (size_t)idx[k] * dp->stride;
      if (dp->w16)
        sats += update_row_16(dp, dp->w16 + off, dp->delta16, idx[k], dmax);
      else if (dp->wb <= 31)
        sats += update_row_32(dp, dp->w32 + off, dp->delta, idx[k], dmax);
      else
        sats += sat_add_row_wide(dp->w32 + off, dp->delta, n_out, &dp->rowmax[idx[k]]);
    }
    if (finish) {
      /* The bias row: update_row's arithmetic on the bias memory. */
      if (dp->wb <= 31) {
        const int32_t lo = (int32_t)smin(dp->wb), hi = (int32_t)smax(dp->wb);
        for (size_t j = 0; j < n_out; j++) {
          int32_t t = dp->bias[j] + dp->delta[j];
          int32_t c = t < lo ? lo : t > hi ? hi : t;
          sats += (uint64_t)(c != t);
          dp->bias[j] = c;
        }
      } else {
        sats += sat_add_row_wide(dp->bias, dp->delta, n_out, &bmax);
      }
    }
    dp->cnt[PBIT_DP_CNT_SRAM_WRITES] += ops * (uint64_t)c;
  }
  dp->cnt[PBIT_DP_CNT_CYCLES] += (uint64_t)(2 + run + tail);
  dp->cnt[PBIT_DP_CNT_STALL_CYCLES] += (uint64_t)(run - (int64_t)n * c);
  dp->cnt[PBIT_DP_CNT_INDICES] += n;
  dp->cnt[PBIT_DP_CNT_SRAM_READS] += ops * (uint64_t)c;
  dp->cnt[PBIT_DP_CNT_LANE_ADDS] += ops * n_out;
  dp->cnt[PBIT_DP_CNT_SATURATIONS] += sats;
  dp->fifo_n = 0; /* FIFO source: all popped; VECTOR: empty before and after */
}

/* CTRL write (docs/datapath.md, "Errors"). */
static void write_ctrl(pbit_dp_t *dp, uint32_t data) {
  dp->ctrl = (data >> 1) & 0x3fu;
  if (!(data & PBIT_DP_CTRL_START)) return;
  int vector = (data & PBIT_DP_CTRL_VECTOR) != 0;
  uint32_t e = 0;
  if (dp->n_in == 0 || dp->n_in > (uint32_t)dp->mi || dp->n_out == 0 ||
      dp->n_out > (uint32_t)dp->mu)
    e |= PBIT_DP_ERR_BAD_GEOMETRY;
  if (!vector && dp->fifo_n > 0 && dp->idx_max >= dp->n_in) e |= PBIT_DP_ERR_IDX_RANGE;
  if (dp->shift >= (uint32_t)dp->ab || (vector && dp->fifo_n > 0)) e |= PBIT_DP_ERR_BAD_CTRL;
  dp->done = 1;
  if (dp->err != 0 || e != 0) {
    dp->err |= e;
    return;
  }
  dp->idx_max = 0;
  run_op(dp, data);
}

static void push_index(pbit_dp_t *dp, uint32_t v) {
  if (v >= dp->n_in || v >= (uint32_t)dp->mi) {
    dp->err |= PBIT_DP_ERR_IDX_RANGE;
  } else if (dp->fifo_n == (size_t)dp->fd) {
    dp->err |= PBIT_DP_ERR_FIFO_OVERFLOW;
  } else {
    dp->fifo[dp->fifo_n++] = v;
    if (v > dp->idx_max) dp->idx_max = v;
  }
}

/* Window position checks against the current geometry. */
static int win_ok(const pbit_dp_t *dp) {
  uint32_t col = dp->win_col;
  int col_ok = col < dp->n_out && col < (uint32_t)dp->mu;
  switch (dp->win_sel) {
    case PBIT_DP_WIN_WEIGHT:
      return col_ok && dp->win_row < dp->n_in && dp->win_row < (uint32_t)dp->mi;
    case PBIT_DP_WIN_INPUT:
      return col < dp->n_in && col < (uint32_t)dp->mi;
    default:
      return col_ok;
  }
}

static void win_data_write(pbit_dp_t *dp, uint32_t data) {
  uint32_t sel = dp->win_sel;
  uint32_t col = dp->win_col++;
  if (sel > PBIT_DP_WIN_DAC || sel == PBIT_DP_WIN_ACC || sel == PBIT_DP_WIN_DAC) {
    dp->err |= PBIT_DP_ERR_BAD_ADDR;
    return;
  }
  dp->win_col = col; /* win_ok looks at the accessed position */
  int ok = win_ok(dp);
  dp->win_col = col + 1;
  if (!ok) {
    dp->err |= PBIT_DP_ERR_WIN_RANGE;
    return;
  }
  int32_t v = (int32_t)sext(data, dp->wb);
  switch (sel) {
    case PBIT_DP_WIN_WEIGHT:
      w_set(dp, dp->win_row, col, v);
      break;
    case PBIT_DP_WIN_BIAS:
      dp->bias[col] = v;
      break;
    case PBIT_DP_WIN_DELTA:
      dp->delta[col] = v;
      dp->delta16[col] = (int16_t)v; /* used only when WEIGHT_BITS <= 16 */
      break;
    default: /* PBIT_DP_WIN_INPUT */
      dp->vec[col] = (uint8_t)(data & 1u);
      break;
  }
}

/* WIN_DATA read: the element sign-extended to 64 bits (0 after an error). */
static int64_t win_data_read(pbit_dp_t *dp) {
  uint32_t sel = dp->win_sel;
  uint32_t col = dp->win_col;
  int64_t v = 0;
  if (sel > PBIT_DP_WIN_DAC) {
    dp->err |= PBIT_DP_ERR_BAD_ADDR;
  } else if (!win_ok(dp)) {
    dp->err |= PBIT_DP_ERR_WIN_RANGE;
  } else {
    int s;
    switch (sel) {
      case PBIT_DP_WIN_WEIGHT:
        v = w_get(dp, dp->win_row, col);
        break;
      case PBIT_DP_WIN_BIAS:
        v = dp->bias[col];
        break;
      case PBIT_DP_WIN_DELTA:
        v = dp->delta[col];
        break;
      case PBIT_DP_WIN_INPUT:
        v = dp->vec[col];
        break;
      case PBIT_DP_WIN_ACC:
        v = acc_get(dp, col);
        break;
      default: /* PBIT_DP_WIN_DAC */
        v = dac_code(acc_get(dp, col), dp->shift, dp->ab, dp->db, &s);
        break;
    }
  }
  dp->win_col = col + 1;
  dp->hi = (uint32_t)((uint64_t)v >> 32);
  return v;
}

/* ------------------------------------------------------------ registers */

int pbit_dp_reg_write(pbit_dp_t *dp, uint32_t addr, uint32_t data) {
  if (dp == NULL || addr > PBIT_DP_ADDR_MAX) return PBIT_ERR_ARG;
  switch (addr) {
    case PBIT_DP_REG_N_IN:
      dp->n_in = data;
      break;
    case PBIT_DP_REG_N_OUT:
      dp->n_out = data;
      bump_epoch(dp); /* row bounds cover lanes < n_out: recompute lazily */
      break;
    case PBIT_DP_REG_DAC_SHIFT:
      dp->shift = data;
      break;
    case PBIT_DP_REG_CTRL:
      write_ctrl(dp, data);
      break;
    case PBIT_DP_REG_ERR:
      dp->err &= ~data & PBIT_DP_ERR_ALL;
      break;
    case PBIT_DP_REG_IDX_PUSH:
      push_index(dp, data);
      break;
    case PBIT_DP_REG_IDX_CLEAR:
      dp->fifo_n = 0;
      dp->idx_max = 0;
      break;
    case PBIT_DP_REG_CNT_CLEAR:
      memset(dp->cnt, 0, sizeof(dp->cnt));
      break;
    case PBIT_DP_REG_WIN_SEL:
      dp->win_sel = data & 7u;
      break;
    case PBIT_DP_REG_WIN_ROW:
      dp->win_row = data;
      break;
    case PBIT_DP_REG_WIN_COL:
      dp->win_col = data;
      break;
    case PBIT_DP_REG_WIN_DATA:
      win_data_write(dp, data);
      break;
    default: /* read-only or unmapped */
      dp->err |= PBIT_DP_ERR_BAD_ADDR;
      break;
  }
  return PBIT_OK;
}

int pbit_dp_reg_read(pbit_dp_t *dp, uint32_t addr, uint32_t *data) {
  if (dp == NULL || data == NULL || addr > PBIT_DP_ADDR_MAX) return PBIT_ERR_ARG;
  uint32_t v = 0;
  switch (addr) {
    case PBIT_DP_REG_ID:
      v = PBIT_DP_ID_VALUE;
      break;
    case PBIT_DP_REG_VERSION:
      v = PBIT_DP_VERSION_VALUE;
      break;
    case PBIT_DP_REG_LANES:
      v = (uint32_t)dp->L;
      break;
    case PBIT_DP_REG_WEIGHT_BITS:
      v = (uint32_t)dp->wb;
      break;
    case PBIT_DP_REG_ACC_BITS:
      v = (uint32_t)dp->ab;
      break;
    case PBIT_DP_REG_DAC_BITS:
      v = (uint32_t)dp->db;
      break;
    case PBIT_DP_REG_SCAN_BITS:
      v = (uint32_t)dp->sb;
      break;
    case PBIT_DP_REG_FIFO_DEPTH:
      v = (uint32_t)dp->fd;
      break;
    case PBIT_DP_REG_MAX_INPUTS:
      v = (uint32_t)dp->mi;
      break;
    case PBIT_DP_REG_MAX_UNITS:
      v = (uint32_t)dp->mu;
      break;
    case PBIT_DP_REG_N_IN:
      v = dp->n_in;
      break;
    case PBIT_DP_REG_N_OUT:
      v = dp->n_out;
      break;
    case PBIT_DP_REG_DAC_SHIFT:
      v = dp->shift;
      break;
    case PBIT_DP_REG_CTRL:
      v = dp->ctrl << 1;
      break;
    case PBIT_DP_REG_STATUS:
      v = (dp->done ? PBIT_DP_STATUS_DONE : 0u) | (dp->err ? PBIT_DP_STATUS_ERROR : 0u) |
          (dp->fifo_n == 0 ? PBIT_DP_STATUS_FIFO_EMPTY : 0u) |
          (dp->fifo_n == (size_t)dp->fd ? PBIT_DP_STATUS_FIFO_FULL : 0u);
      break;
    case PBIT_DP_REG_ERR:
      v = dp->err;
      break;
    case PBIT_DP_REG_IDX_LEVEL:
      v = (uint32_t)dp->fifo_n;
      break;
    case PBIT_DP_REG_IDX_PUSH:
    case PBIT_DP_REG_IDX_CLEAR:
    case PBIT_DP_REG_CNT_CLEAR:
      break; /* write-only: reads 0 */
    case PBIT_DP_REG_WIN_SEL:
      v = dp->win_sel;
      break;
    case PBIT_DP_REG_WIN_ROW:
      v = dp->win_row;
      break;
    case PBIT_DP_REG_WIN_COL:
      v = dp->win_col;
      break;
    case PBIT_DP_REG_WIN_DATA:
      v = (uint32_t)(uint64_t)win_data_read(dp);
      break;
    case PBIT_DP_REG_WIN_DATA_HI:
      v = dp->hi;
      break;
    default:
      if (addr >= PBIT_DP_REG_CNT_BASE && addr < PBIT_DP_REG_CNT_BASE + 2 * PBIT_DP_NUM_COUNTERS) {
        uint64_t c = dp->cnt[(addr - PBIT_DP_REG_CNT_BASE) / 2];
        v = (addr & 1u) ? (uint32_t)(c >> 32) : (uint32_t)c;
      } else {
        dp->err |= PBIT_DP_ERR_BAD_ADDR;
      }
      break;
  }
  *data = v;
  return PBIT_OK;
}

/* ------------------------------------------------------------ direct calls */

int pbit_dp_set_geometry(pbit_dp_t *dp, uint32_t n_in, uint32_t n_out, uint32_t dac_shift) {
  if (dp == NULL) return PBIT_ERR_ARG;
  dp->n_in = n_in;
  dp->n_out = n_out;
  dp->shift = dac_shift;
  bump_epoch(dp);
  return PBIT_OK;
}

int pbit_dp_win_write(pbit_dp_t *dp, uint32_t sel, uint32_t row, uint32_t col, const int32_t *v,
                      size_t n) {
  if (dp == NULL || (v == NULL && n > 0)) return PBIT_ERR_ARG;
  dp->win_sel = sel & 7u;
  dp->win_row = row;
  dp->win_col = col;
  sel &= 7u;
  /* Fast path: a run of in-range weight/bias/delta elements. */
  if (sel <= PBIT_DP_WIN_DELTA && n > 0) {
    uint64_t end = (uint64_t)col + n;
    int row_ok = sel != PBIT_DP_WIN_WEIGHT || (row < dp->n_in && row < (uint32_t)dp->mi);
    if (row_ok && end <= dp->n_out && end <= (uint64_t)dp->mu) {
      for (size_t k = 0; k < n; k++) {
        int32_t x = (int32_t)sext((uint32_t)v[k], dp->wb);
        if (sel == PBIT_DP_WIN_WEIGHT)
          w_set(dp, row, col + k, x);
        else if (sel == PBIT_DP_WIN_BIAS)
          dp->bias[col + k] = x;
        else {
          dp->delta[col + k] = x;
          dp->delta16[col + k] = (int16_t)x;
        }
      }
      dp->win_col = (uint32_t)end;
      return PBIT_OK;
    }
  }
  for (size_t k = 0; k < n; k++) win_data_write(dp, (uint32_t)v[k]);
  return PBIT_OK;
}

int pbit_dp_win_read(pbit_dp_t *dp, uint32_t sel, uint32_t row, uint32_t col, int64_t *v,
                     size_t n) {
  if (dp == NULL || (v == NULL && n > 0)) return PBIT_ERR_ARG;
  dp->win_sel = sel & 7u;
  dp->win_row = row;
  dp->win_col = col;
  for (size_t k = 0; k < n; k++) v[k] = win_data_read(dp);
  return PBIT_OK;
}

int pbit_dp_push(pbit_dp_t *dp, const uint32_t *idx, size_t n) {
  if (dp == NULL || (idx == NULL && n > 0)) return PBIT_ERR_ARG;
  for (size_t k = 0; k < n; k++) push_index(dp, idx[k]);
  return PBIT_OK;
}

int pbit_dp_start(pbit_dp_t *dp, uint32_t ctrl) {
  if (dp == NULL) return PBIT_ERR_ARG;
  write_ctrl(dp, ctrl | PBIT_DP_CTRL_START);
  return PBIT_OK;
}

int pbit_dp_run(pbit_dp_t *dp, uint32_t ctrl, const uint32_t *idx, size_t n) {
  if (dp == NULL || (idx == NULL && n > 0)) return PBIT_ERR_ARG;
  ctrl &= ~(PBIT_DP_CTRL_START | PBIT_DP_CTRL_VECTOR);
  size_t fd = (size_t)dp->fd;
  size_t pos = 0;
  do {
    size_t m = n - pos < fd ? n - pos : fd;
    uint32_t c = pbit_dp_piece_ctrl(ctrl, pos == 0, pos + m == n);
    if (idx != NULL)
      for (size_t k = 0; k < m; k++) push_index(dp, idx[pos + k]);
    write_ctrl(dp, c | PBIT_DP_CTRL_START);
    pos += m;
    if (dp->err != 0) return PBIT_ERR_RUNTIME;
  } while (pos < n);
  return PBIT_OK;
}

uint32_t pbit_dp_errors(const pbit_dp_t *dp) { return dp == NULL ? 0 : dp->err; }

void pbit_dp_get_counters(const pbit_dp_t *dp, pbit_dp_counters_t *c) {
  if (dp == NULL || c == NULL) return;
  memcpy(c->v, dp->cnt, sizeof(c->v));
}

int pbit_dp_dac_codes(const pbit_dp_t *dp, int32_t *codes, size_t n) {
  if (dp == NULL || (codes == NULL && n > 0) || n > (size_t)dp->mu) return PBIT_ERR_ARG;
  if (n > 0) memcpy(codes, dp->dac, n * sizeof(int32_t));
  return PBIT_OK;
}

/* ------------------------------------------------------------ state */

#define DP_STATE_MAGIC UINT64_C(0x3254535044544250)    /* "PBTDPST2" (2: saved bank) */
#define DP_STATE_MAGIC_V1 UINT64_C(0x3154535044544250) /* "PBTDPST1": no saved bank */

typedef struct {
  uint64_t magic;
  int32_t geom[8]; /* L, wb, ab, db, sb, fd, mi, mu */
  char name[64];
} dp_fp_t;

static void dp_fp(const pbit_dp_t *dp, dp_fp_t *fp) {
  memset(fp, 0, sizeof *fp);
  fp->magic = DP_STATE_MAGIC;
  const int32_t g[8] = {dp->L, dp->wb, dp->ab, dp->db, dp->sb, dp->fd, dp->mi, dp->mu};
  memcpy(fp->geom, g, sizeof g);
  memcpy(fp->name, dp->p.name, sizeof fp->name);
  fp->name[sizeof fp->name - 1] = '\0';
}

/* The architectural state; delta16 (a copy of delta) and the row bounds
 * (a cache) are derived. */
static void dp_state_write(const pbit_dp_t *dp, pbit_state_writer_t *w) {
  dp_fp_t fp;
  dp_fp(dp, &fp);
  pbit_state_put(w, &fp, sizeof fp);
  const uint32_t regs[] = {dp->n_in, dp->n_out,          dp->shift,   dp->ctrl,
                           dp->err,  dp->win_sel,        dp->win_row, dp->win_col,
                           dp->hi,   (uint32_t)dp->done, dp->idx_max, (uint32_t)dp->fifo_n};
  pbit_state_put(w, regs, sizeof regs);
  pbit_state_put(w, dp->cnt, sizeof dp->cnt);
  size_t nw = (size_t)dp->mi * dp->stride;
  if (dp->w16)
    pbit_state_put(w, dp->w16, nw * sizeof *dp->w16);
  else
    pbit_state_put(w, dp->w32, nw * sizeof *dp->w32);
  pbit_state_put(w, dp->bias, dp->stride * sizeof *dp->bias);
  pbit_state_put(w, dp->delta, dp->stride * sizeof *dp->delta);
  pbit_state_put(w, dp->dac, dp->stride * sizeof *dp->dac);
  pbit_state_put(w, dp->acc, dp->stride * sizeof *dp->acc);
  pbit_state_put(w, dp->acc32, dp->stride * sizeof *dp->acc32);
  pbit_state_put(w, dp->sav, dp->stride * sizeof *dp->sav);
  pbit_state_put(w, dp->vec, (size_t)dp->mi);
  pbit_state_put(w, dp->fifo, (size_t)dp->fd * sizeof *dp->fifo);
}

size_t pbit_dp_state_size(const pbit_dp_t *dp) {
  if (dp == NULL) return 0;
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, NULL, 0);
  dp_state_write(dp, &w);
  return w.pos;
}

int pbit_dp_state_save(const pbit_dp_t *dp, void *buf, size_t len, pbit_error_t *err) {
  if (dp == NULL || buf == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "datapath state: NULL argument");
  size_t need = pbit_dp_state_size(dp);
  if (len < need)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "datapath state: buffer of %zu bytes, need %zu", len, need);
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, buf, len);
  dp_state_write(dp, &w);
  return PBIT_OK;
}

int pbit_dp_state_restore(pbit_dp_t *dp, const void *buf, size_t len, pbit_error_t *err) {
  if (dp == NULL || buf == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "datapath state: NULL argument");
  pbit_state_reader_t r;
  pbit_state_reader_init(&r, buf, len);
  dp_fp_t want, got;
  dp_fp(dp, &want);
  pbit_state_get(&r, &got, sizeof got);
  got.name[sizeof got.name - 1] = '\0';
  if (!r.ok || (got.magic != DP_STATE_MAGIC && got.magic != DP_STATE_MAGIC_V1))
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "not a datapath state");
  /* Version 1 had no saved bank: it restores as a reset (empty) bank. */
  int v1 = got.magic == DP_STATE_MAGIC_V1;
  if (strcmp(got.name, want.name) != 0 || memcmp(got.geom, want.geom, sizeof got.geom) != 0)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "datapath state saved for accel '%s', this datapath is '%s'%s", got.name,
                          want.name,
                          strcmp(got.name, want.name) == 0 ? " with other parameters" : "");
  size_t need = pbit_dp_state_size(dp) - (v1 ? dp->stride * sizeof *dp->sav : 0);
  if (len != need)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0,
                          "datapath state is %zu bytes, expected %zu", len, need);
  uint32_t regs[12];
  pbit_state_get(&r, regs, sizeof regs);
  if (regs[11] > (uint32_t)dp->fd)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "datapath state: bad FIFO level");
  dp->n_in = regs[0];
  dp->n_out = regs[1];
  dp->shift = regs[2];
  dp->ctrl = regs[3];
  dp->err = regs[4];
  dp->win_sel = regs[5];
  dp->win_row = regs[6];
  dp->win_col = regs[7];
  dp->hi = regs[8];
  dp->done = (int)regs[9];
  dp->idx_max = regs[10];
  dp->fifo_n = regs[11];
  pbit_state_get(&r, dp->cnt, sizeof dp->cnt);
  size_t nw = (size_t)dp->mi * dp->stride;
  if (dp->w16)
    pbit_state_get(&r, dp->w16, nw * sizeof *dp->w16);
  else
    pbit_state_get(&r, dp->w32, nw * sizeof *dp->w32);
  pbit_state_get(&r, dp->bias, dp->stride * sizeof *dp->bias);
  pbit_state_get(&r, dp->delta, dp->stride * sizeof *dp->delta);
  pbit_state_get(&r, dp->dac, dp->stride * sizeof *dp->dac);
  pbit_state_get(&r, dp->acc, dp->stride * sizeof *dp->acc);
  pbit_state_get(&r, dp->acc32, dp->stride * sizeof *dp->acc32);
  if (v1)
    memset(dp->sav, 0, dp->stride * sizeof *dp->sav);
  else
    pbit_state_get(&r, dp->sav, dp->stride * sizeof *dp->sav);
  pbit_state_get(&r, dp->vec, (size_t)dp->mi);
  pbit_state_get(&r, dp->fifo, (size_t)dp->fd * sizeof *dp->fifo);
  for (size_t j = 0; j < dp->stride; j++) dp->delta16[j] = (int16_t)dp->delta[j];
  memset(dp->rowepoch, 0, (size_t)dp->mi * sizeof *dp->rowepoch);
  dp->epoch = 1; /* every row bound stale */
  return PBIT_OK;
}
