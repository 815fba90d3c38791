/* HAL backend "model": the C datapath model behind a bus that keeps the
 * RTL's clock. Every access is one cycle; an accepted START makes the
 * datapath busy for the operation's exact cycle count (the increase of the
 * model's `cycles` counter), which wait_idle lets pass. A FORWARD with
 * FINISH emits its C DAC chunks in its last C busy cycles (chunk c in cycle
 * R + C + 2 + c after SETUP, docs/datapath.md). In clock edges since the
 * HAL opened: with the START write at edge t_s and `cycles` busy cycles, the
 * port shows chunk c after edge t_s + cycles - C + c (the last one after
 * edge t_s + cycles - 1; BUSY is low after edge t_s + cycles), which is
 * where the Verilator harness records it. */
#include <stdlib.h>

#include "dp/dp_model.h"
#include "hal_backend.h"
#include "state.h"

typedef struct {
  pbit_dp_t *dp;
  uint64_t now, busy_until;
  uint64_t chunks_pending, last_cycle;
} model_ctx_t;

static int m_write(void *vctx, uint32_t addr, uint32_t data) {
  model_ctx_t *m = vctx;
  uint64_t before = 0;
  int is_start = addr == PBIT_DP_REG_CTRL && (data & PBIT_DP_CTRL_START);
  pbit_dp_counters_t c;
  if (is_start) {
    pbit_dp_get_counters(m->dp, &c);
    before = c.v[PBIT_DP_CNT_CYCLES];
  }
  int rc = pbit_dp_reg_write(m->dp, addr, data);
  m->now++;
  if (rc != PBIT_OK || !is_start) return rc;
  pbit_dp_get_counters(m->dp, &c);
  uint64_t cycles = c.v[PBIT_DP_CNT_CYCLES] - before;
  if (cycles == 0) return PBIT_OK; /* refused */
  m->busy_until = m->now + cycles;
  if (!(data & PBIT_DP_CTRL_UPDATE) && (data & PBIT_DP_CTRL_FINISH)) {
    uint32_t n_out = 0;
    pbit_dp_reg_read(m->dp, PBIT_DP_REG_N_OUT, &n_out); /* no bus cycle: a model peek */
    uint32_t lanes = (uint32_t)pbit_dp_get_params(m->dp)->lanes;
    m->chunks_pending += (n_out + lanes - 1) / lanes;
    m->last_cycle = m->busy_until - 1;
  }
  return PBIT_OK;
}

static int m_read(void *vctx, uint32_t addr, uint32_t *data) {
  model_ctx_t *m = vctx;
  m->now++;
  return pbit_dp_reg_read(m->dp, addr, data);
}

static int m_wait_idle(void *vctx, uint64_t max_cycles) {
  model_ctx_t *m = vctx;
  if (m->busy_until > m->now) {
    if (m->busy_until - m->now > max_cycles) return PBIT_ERR_RUNTIME;
    m->now = m->busy_until;
  }
  return PBIT_OK;
}

static int m_create(const pbit_dp_params_t *p, void **ctx, pbit_error_t *err) {
  model_ctx_t *m = calloc(1, sizeof *m);
  if (m == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  int rc = pbit_dp_create(p, &m->dp, err);
  if (rc != PBIT_OK) {
    free(m);
    return rc;
  }
  *ctx = m;
  return PBIT_OK;
}

static void m_destroy(void *vctx) {
  model_ctx_t *m = vctx;
  if (m == NULL) return;
  pbit_dp_destroy(m->dp);
  free(m);
}

static pbit_dp_bus_t m_bus(void *vctx) {
  pbit_dp_bus_t b = {vctx, m_write, m_read, m_wait_idle};
  return b;
}

static uint64_t m_now(void *vctx) { return ((model_ctx_t *)vctx)->now; }

static int m_idle(void *vctx, uint64_t cycles, pbit_error_t *err) {
  (void)err;
  ((model_ctx_t *)vctx)->now += cycles;
  return PBIT_OK;
}

static uint64_t m_take_dac(void *vctx, uint64_t *last_cycle, int32_t *codes, size_t n) {
  model_ctx_t *m = vctx;
  uint64_t k = m->chunks_pending;
  m->chunks_pending = 0;
  *last_cycle = m->last_cycle;
  if (k > 0) pbit_dp_dac_codes(m->dp, codes, n);
  return k;
}

const pbit_hal_backend_t pbit_hal_model_backend = {"model", m_create,   m_destroy, m_bus, m_now,
                                                   m_idle,  m_take_dac, NULL,      NULL};

/* ---- state (hal_backend.h): the bus clock and pending DAC chunks, then
 * the datapath model's own state. */

size_t pbit_hal_model_state_size(void *vctx) {
  model_ctx_t *m = vctx;
  return m == NULL ? 0 : 4 * sizeof(uint64_t) + pbit_dp_state_size(m->dp);
}

int pbit_hal_model_state_save(void *vctx, void *buf, size_t len, pbit_error_t *err) {
  model_ctx_t *m = vctx;
  if (m == NULL || buf == NULL || len < pbit_hal_model_state_size(m))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "model backend state: bad argument");
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, buf, len);
  pbit_state_put_u64(&w, m->now);
  pbit_state_put_u64(&w, m->busy_until);
  pbit_state_put_u64(&w, m->chunks_pending);
  pbit_state_put_u64(&w, m->last_cycle);
  return pbit_dp_state_save(m->dp, (uint8_t *)buf + w.pos, len - w.pos, err);
}

int pbit_hal_model_state_restore(void *vctx, const void *buf, size_t len, pbit_error_t *err) {
  model_ctx_t *m = vctx;
  if (m == NULL || buf == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "model backend state: bad argument");
  const size_t head = 4 * sizeof(uint64_t);
  if (len < head)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "model backend state: truncated");
  int rc = pbit_dp_state_restore(m->dp, (const uint8_t *)buf + head, len - head, err);
  if (rc != PBIT_OK) return rc;
  pbit_state_reader_t r;
  pbit_state_reader_init(&r, buf, head);
  m->now = pbit_state_get_u64(&r);
  m->busy_until = pbit_state_get_u64(&r);
  m->chunks_pending = pbit_state_get_u64(&r);
  m->last_cycle = pbit_state_get_u64(&r);
  return PBIT_OK;
}
