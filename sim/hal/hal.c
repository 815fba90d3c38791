/* The HAL core: one implementation of firmware/hal/hal.h over any backend
 * (hal_backend.h). Register traffic goes through the shared driver layer
 * (sim/dp/dp_driver.h) on a bus that wraps the backend's; the p-bit array
 * (pbit_model/array.h) is kept in the backend's clock: it is advanced to the
 * cycle of every DAC chunk the datapath emits (codes set then) and to the
 * current cycle before every p-bit read. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hal_backend.h"
#include "hal_sim.h"

struct pbit_hal {
  const pbit_hal_backend_t *be;
  void *ctx;
  pbit_dp_bus_t bus;  /* the backend's bus */
  pbit_dp_bus_t hbus; /* wrapper: snoops N_OUT, takes DAC chunks after waits */
  pbit_dp_params_t p;
  pbit_error_t err;
  uint32_t n_out; /* last N_OUT written */
  pbit_array_t *arr;
  uint32_t max_copies, copies;
  int32_t *offsets; /* [max_copies] */
  double input_lsb;
  int32_t *codes; /* latched DAC codes [max_units] */
  int32_t *port;  /* scratch [max_units] */
  double *inputs; /* scratch [max_copies] */
  uint8_t *row;   /* scratch [max_units * max_copies] */
  uint64_t dac_chunks;
};

static int hal_status(int rc) {
  switch (rc) {
    case PBIT_OK:
      return PBIT_HAL_OK;
    case PBIT_ERR_ARG:
      return PBIT_HAL_ERR_ARG;
    case PBIT_ERR_CONFIG:
      return PBIT_HAL_ERR_CONFIG;
    case PBIT_ERR_NOMEM:
      return PBIT_HAL_ERR_NOMEM;
    default:
      return PBIT_HAL_ERR_DEVICE;
  }
}

static int fail(pbit_hal_t *h, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(pbit_hal_t *h, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pbit_error_clear(&h->err);
  h->err.status = rc;
  vsnprintf(h->err.msg, sizeof h->err.msg, fmt, ap);
  va_end(ap);
  return hal_status(rc);
}

static int done(pbit_hal_t *h, int rc) {
  (void)h;
  return rc == PBIT_OK ? PBIT_HAL_OK : hal_status(rc);
}

/* ---- p-bit side */

static int sync_array(pbit_hal_t *h, uint64_t t) {
  uint64_t a = pbit_array_now(h->arr);
  if (t < a)
    return fail(h, PBIT_ERR_RUNTIME, "p-bit time would go back (%llu < %llu)",
                (unsigned long long)t, (unsigned long long)a);
  return t > a ? pbit_array_advance(h->arr, t - a) : PBIT_OK;
}

static int drive_units(pbit_hal_t *h, uint32_t first, uint32_t count) {
  uint32_t K = h->copies;
  for (uint32_t j = first; j < first + count; j++) {
    for (uint32_t k = 0; k < K; k++)
      h->inputs[k] = ((double)h->codes[j] + (double)h->offsets[k]) * h->input_lsb;
    int rc = pbit_array_set_inputs(h->arr, (size_t)j * K, K, h->inputs);
    if (rc != PBIT_OK) return fail(h, rc, "p-bit input out of range");
  }
  return PBIT_OK;
}

/* After an operation: put the DAC chunks it emitted on the p-bits, each in
 * the cycle the port carried it (chunk c of C: last_cycle - (C-1-c)). */
static int take_dac(pbit_hal_t *h) {
  uint64_t last = 0;
  uint64_t k = h->be->take_dac(h->ctx, &last, h->port, (size_t)h->p.max_units);
  if (k == 0) return PBIT_OK;
  uint32_t L = (uint32_t)h->p.lanes;
  uint32_t C = (h->n_out + L - 1) / L;
  if (k != C || last + 1 < C)
    return fail(h, PBIT_ERR_RUNTIME, "DAC port: %llu chunks, expected %u", (unsigned long long)k,
                C);
  for (uint32_t c = 0; c < C; c++) {
    int rc = sync_array(h, last - (C - 1 - c));
    if (rc != PBIT_OK) return rc;
    uint32_t first = c * L, count = h->n_out - first < L ? h->n_out - first : L;
    memcpy(h->codes + first, h->port + first, count * sizeof *h->codes);
    rc = drive_units(h, first, count);
    if (rc != PBIT_OK) return rc;
  }
  h->dac_chunks += k;
  return PBIT_OK;
}

/* ---- bus wrapper */

static int hb_write(void *ctx, uint32_t addr, uint32_t data) {
  pbit_hal_t *h = ctx;
  int rc = h->bus.write(h->bus.ctx, addr, data);
  if (rc == PBIT_OK && addr == PBIT_DP_REG_N_OUT) h->n_out = data;
  return rc;
}
static int hb_read(void *ctx, uint32_t addr, uint32_t *data) {
  pbit_hal_t *h = ctx;
  return h->bus.read(h->bus.ctx, addr, data);
}
static int hb_wait(void *ctx, uint64_t max_cycles) {
  pbit_hal_t *h = ctx;
  int rc = h->bus.wait_idle(h->bus.ctx, max_cycles);
  if (rc == PBIT_OK) rc = take_dac(h);
  return rc;
}

/* ---- open / close */

const char *const *pbit_hal_backends(void) {
  static const char *names[4];
  size_t n = 0;
  names[n++] = "model";
  if (pbit_hal_rtl_backend) names[n++] = "rtl";
  if (pbit_hal_systemc_backend) names[n++] = "systemc";
  names[n] = NULL;
  return names;
}

void pbit_hal_close(pbit_hal_t *h) {
  if (h == NULL) return;
  if (h->be != NULL) h->be->destroy(h->ctx);
  pbit_array_destroy(h->arr);
  free(h->offsets);
  free(h->codes);
  free(h->port);
  free(h->inputs);
  free(h->row);
  free(h);
}

int pbit_hal_open(const pbit_hal_config_t *cfg, pbit_hal_t **out, pbit_error_t *err) {
  if (cfg == NULL || out == NULL || cfg->backend == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL argument");
  *out = NULL;
  const pbit_hal_backend_t *be = NULL;
  if (strcmp(cfg->backend, "model") == 0) {
    be = &pbit_hal_model_backend;
  } else if (strcmp(cfg->backend, "rtl") == 0) {
    if (pbit_hal_rtl_backend == NULL)
      return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                            "this program has no RTL backend (link libpbit_hal_rtl)");
    be = pbit_hal_rtl_backend();
  } else if (strcmp(cfg->backend, "systemc") == 0) {
    if (pbit_hal_systemc_backend == NULL)
      return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                            "this program has no SystemC backend (link the SystemC builds)");
    be = pbit_hal_systemc_backend();
  } else {
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "unknown HAL backend '%s' (model, rtl, systemc)", cfg->backend);
  }
  int rc = pbit_dp_params_validate(&cfg->accel, err);
  if (rc != PBIT_OK) return rc;
  if (cfg->max_copies < 1 || cfg->max_copies > 4096 || !(cfg->input_lsb > 0) || cfg->dt_ns < 0)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "need max_copies in 1..4096, input_lsb > 0, dt_ns >= 0");
  pbit_hal_t *h = calloc(1, sizeof *h);
  if (h == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  h->p = cfg->accel;
  h->max_copies = cfg->max_copies;
  h->copies = 1;
  h->input_lsb = cfg->input_lsb;
  size_t mu = (size_t)cfg->accel.max_units, np = mu * cfg->max_copies;
  h->offsets = calloc(cfg->max_copies, sizeof *h->offsets);
  h->codes = calloc(mu, sizeof *h->codes);
  h->port = calloc(mu, sizeof *h->port);
  h->inputs = calloc(cfg->max_copies, sizeof *h->inputs);
  h->row = calloc(np, 1);
  if (!h->offsets || !h->codes || !h->port || !h->inputs || !h->row) {
    pbit_hal_close(h);
    return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  }
  double dt = cfg->dt_ns > 0 ? cfg->dt_ns : cfg->accel.clock_ns;
  rc = pbit_array_create(&cfg->device, np, dt, cfg->seed, &h->arr, err);
  if (rc == PBIT_OK) {
    rc = be->create(&cfg->accel, &h->ctx, err);
    if (rc == PBIT_OK) h->be = be;
  }
  if (rc != PBIT_OK) {
    pbit_hal_close(h);
    return rc;
  }
  h->bus = be->bus(h->ctx);
  pbit_dp_bus_t hb = {h, hb_write, hb_read, hb_wait};
  h->hbus = hb;
  *out = h;
  return PBIT_OK;
}

/* ---- hal.h */

const char *pbit_hal_error(const pbit_hal_t *h) { return h ? h->err.msg : "NULL HAL"; }
const char *pbit_hal_backend(const pbit_hal_t *h) { return h ? h->be->name : ""; }
uint64_t pbit_hal_now(const pbit_hal_t *h) { return h ? h->be->now(h->ctx) : 0; }

#define CHECK(h, cond)                                                           \
  do {                                                                           \
    if ((h) == NULL) return PBIT_HAL_ERR_ARG;                                    \
    pbit_error_clear(&(h)->err);                                                 \
    if (!(cond)) return fail((h), PBIT_ERR_ARG, "bad argument in %s", __func__); \
  } while (0)

int pbit_hal_info(pbit_hal_t *h, pbit_hal_info_t *out) {
  CHECK(h, out != NULL);
  uint32_t v[8];
  for (uint32_t k = 0; k < 8; k++) {
    int rc = hb_read(h, PBIT_DP_REG_LANES + k, &v[k]);
    if (rc != PBIT_OK) return fail(h, rc, "register read failed");
  }
  out->lanes = v[0];
  out->weight_bits = v[1];
  out->acc_bits = v[2];
  out->dac_bits = v[3];
  out->scan_bits = v[4];
  out->fifo_depth = v[5];
  out->max_inputs = v[6];
  out->max_units = v[7];
  out->max_copies = h->max_copies;
  out->clock_ns = h->p.clock_ns;
  return PBIT_HAL_OK;
}

int pbit_hal_reg_write(pbit_hal_t *h, uint32_t addr, uint32_t data) {
  CHECK(h, addr <= PBIT_DP_ADDR_MAX);
  int rc = hb_write(h, addr, data);
  return rc == PBIT_OK ? PBIT_HAL_OK : fail(h, rc, "register write failed");
}

int pbit_hal_reg_read(pbit_hal_t *h, uint32_t addr, uint32_t *data) {
  CHECK(h, addr <= PBIT_DP_ADDR_MAX && data != NULL);
  int rc = hb_read(h, addr, data);
  return rc == PBIT_OK ? PBIT_HAL_OK : fail(h, rc, "register read failed");
}

int pbit_hal_set_geometry(pbit_hal_t *h, uint32_t n_in, uint32_t n_out, uint32_t dac_shift) {
  CHECK(h, 1);
  return done(h, pbit_dp_drv_geometry(&h->hbus, n_in, n_out, dac_shift, &h->err));
}

int pbit_hal_load_weights(pbit_hal_t *h, uint32_t row0, uint32_t rows, uint32_t ncols,
                          const int32_t *w) {
  CHECK(h, w != NULL || rows == 0 || ncols == 0);
  for (uint32_t r = 0; r < rows; r++) {
    int rc = pbit_dp_drv_win_write(&h->hbus, PBIT_DP_WIN_WEIGHT, row0 + r, 0, w + (size_t)r * ncols,
                                   ncols, &h->err);
    if (rc != PBIT_OK) return done(h, rc);
  }
  return PBIT_HAL_OK;
}

static int read_win32(pbit_hal_t *h, uint32_t sel, uint32_t row, int32_t *v, size_t n) {
  int64_t buf[64];
  for (size_t k = 0; k < n; k += 64) {
    size_t m = n - k < 64 ? n - k : 64;
    int rc = pbit_dp_drv_win_read(&h->hbus, sel, row, (uint32_t)k, buf, m, &h->err);
    if (rc != PBIT_OK) return done(h, rc);
    for (size_t i = 0; i < m; i++) v[k + i] = (int32_t)buf[i];
  }
  return PBIT_HAL_OK;
}

int pbit_hal_read_weights(pbit_hal_t *h, uint32_t row0, uint32_t rows, uint32_t ncols, int32_t *w) {
  CHECK(h, w != NULL || rows == 0 || ncols == 0);
  for (uint32_t r = 0; r < rows; r++) {
    int rc = read_win32(h, PBIT_DP_WIN_WEIGHT, row0 + r, w + (size_t)r * ncols, ncols);
    if (rc != PBIT_HAL_OK) return rc;
  }
  return PBIT_HAL_OK;
}

int pbit_hal_load_bias(pbit_hal_t *h, const int32_t *b, size_t n) {
  CHECK(h, b != NULL || n == 0);
  return done(h, pbit_dp_drv_win_write(&h->hbus, PBIT_DP_WIN_BIAS, 0, 0, b, n, &h->err));
}

int pbit_hal_read_bias(pbit_hal_t *h, int32_t *b, size_t n) {
  CHECK(h, b != NULL || n == 0);
  return read_win32(h, PBIT_DP_WIN_BIAS, 0, b, n);
}

int pbit_hal_load_delta(pbit_hal_t *h, const int32_t *d, size_t n) {
  CHECK(h, d != NULL || n == 0);
  return done(h, pbit_dp_drv_win_write(&h->hbus, PBIT_DP_WIN_DELTA, 0, 0, d, n, &h->err));
}

int pbit_hal_load_input(pbit_hal_t *h, const uint8_t *x, size_t n) {
  CHECK(h, x != NULL || n == 0);
  int32_t buf[256];
  for (size_t k = 0; k < n; k += 256) {
    size_t m = n - k < 256 ? n - k : 256;
    for (size_t i = 0; i < m; i++) buf[i] = x[k + i] != 0;
    int rc = pbit_dp_drv_win_write(&h->hbus, PBIT_DP_WIN_INPUT, 0, (uint32_t)k, buf, m, &h->err);
    if (rc != PBIT_OK) return done(h, rc);
  }
  return PBIT_HAL_OK;
}

int pbit_hal_read_acc(pbit_hal_t *h, int64_t *acc, size_t n) {
  CHECK(h, acc != NULL || n == 0);
  return done(h, pbit_dp_drv_win_read(&h->hbus, PBIT_DP_WIN_ACC, 0, 0, acc, n, &h->err));
}

int pbit_hal_read_dac(pbit_hal_t *h, int32_t *codes, size_t n) {
  CHECK(h, codes != NULL || n == 0);
  return read_win32(h, PBIT_DP_WIN_DAC, 0, codes, n);
}

int pbit_hal_run_list(pbit_hal_t *h, uint32_t ctrl, const uint32_t *idx, size_t n) {
  CHECK(h, idx != NULL || n == 0);
  return done(h, pbit_dp_drv_run(&h->hbus, (uint32_t)h->p.fifo_depth, ctrl, idx, n, &h->err));
}

int pbit_hal_run_vector(pbit_hal_t *h, uint32_t ctrl) {
  CHECK(h, 1);
  return done(h, pbit_dp_drv_run_vector(&h->hbus, ctrl, &h->err));
}

int pbit_hal_wait(pbit_hal_t *h) {
  CHECK(h, 1);
  return done(h, pbit_dp_drv_wait(&h->hbus, &h->err));
}

int pbit_hal_counters(pbit_hal_t *h, uint64_t c[PBIT_DP_NUM_COUNTERS]) {
  CHECK(h, c != NULL);
  pbit_dp_counters_t dc;
  int rc = pbit_dp_drv_counters(&h->hbus, &dc, &h->err);
  if (rc != PBIT_OK) return done(h, rc);
  memcpy(c, dc.v, sizeof dc.v);
  return PBIT_HAL_OK;
}

int pbit_hal_clear_counters(pbit_hal_t *h) {
  CHECK(h, 1);
  int rc = hb_write(h, PBIT_DP_REG_CNT_CLEAR, 1);
  return rc == PBIT_OK ? PBIT_HAL_OK : fail(h, rc, "register write failed");
}

/* The p-bits are used once the datapath is idle: finish any operation the
 * firmware started itself, then bring the array to the current cycle. */
static int pbit_prepare(pbit_hal_t *h) {
  int rc = pbit_dp_drv_wait(&h->hbus, &h->err);
  if (rc != PBIT_OK) return done(h, rc);
  rc = sync_array(h, h->be->now(h->ctx));
  return rc == PBIT_OK ? PBIT_HAL_OK : done(h, rc);
}

int pbit_hal_pbit_copies(pbit_hal_t *h, uint32_t copies, const int32_t *offsets) {
  CHECK(h, copies >= 1 && copies <= h->max_copies);
  int rc = pbit_prepare(h);
  if (rc != PBIT_HAL_OK) return rc;
  h->copies = copies;
  for (uint32_t k = 0; k < h->max_copies; k++)
    h->offsets[k] = (offsets != NULL && k < copies) ? offsets[k] : 0;
  rc = drive_units(h, 0, (uint32_t)h->p.max_units);
  return rc == PBIT_OK ? PBIT_HAL_OK : hal_status(rc);
}

int pbit_hal_pbit_sample(pbit_hal_t *h, uint32_t n_units, uint32_t cycles, uint32_t *counts,
                         uint8_t *states) {
  CHECK(h, n_units <= (uint32_t)h->p.max_units);
  int rc = pbit_prepare(h);
  if (rc != PBIT_HAL_OK) return rc;
  size_t np = (size_t)n_units * h->copies;
  if (counts != NULL) memset(counts, 0, n_units * sizeof *counts);
  /* The datapath idles for `cycles` clocks; the p-bits are read after each
   * one (the array is lazy, so it can follow the clock afterwards). */
  uint64_t t0 = h->be->now(h->ctx);
  rc = h->be->idle(h->ctx, cycles, &h->err);
  if (rc != PBIT_OK) return done(h, rc);
  for (uint32_t t = 0; t < cycles; t++) {
    rc = sync_array(h, t0 + t + 1);
    if (rc == PBIT_OK && np > 0) rc = pbit_array_read(h->arr, 0, np, h->row);
    if (rc != PBIT_OK) return fail(h, rc, "p-bit read failed");
    if (states != NULL) memcpy(states + (size_t)t * np, h->row, np);
    if (counts != NULL)
      for (size_t i = 0; i < np; i++) counts[i / h->copies] += h->row[i];
  }
  return PBIT_HAL_OK;
}

int pbit_hal_pbit_codes(pbit_hal_t *h, int32_t *codes, size_t n) {
  CHECK(h, (codes != NULL || n == 0) && n <= (size_t)h->p.max_units);
  int rc = pbit_prepare(h);
  if (rc != PBIT_HAL_OK) return rc;
  memcpy(codes, h->codes, n * sizeof *codes);
  return PBIT_HAL_OK;
}

int pbit_hal_pbit_counters(pbit_hal_t *h, pbit_hal_pbit_counters_t *out) {
  CHECK(h, out != NULL);
  int rc = pbit_prepare(h);
  if (rc != PBIT_HAL_OK) return rc;
  pbit_counters_t c;
  pbit_array_counters(h->arr, &c);
  out->samples = c.samples;
  out->flips = c.flips;
  out->dac_writes = c.dac_writes;
  out->pbit_cycles = c.pbit_cycles;
  out->cycles = c.cycles;
  out->dac_chunks = h->dac_chunks;
  return PBIT_HAL_OK;
}
