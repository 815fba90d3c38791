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

struct pbit_hal;

/* One tile: a datapath behind its backend and the p-bit array it drives. */
typedef struct {
  struct pbit_hal *h;
  void *ctx;
  pbit_dp_bus_t bus;  /* the backend's bus */
  pbit_dp_bus_t hbus; /* wrapper: snoops N_OUT, takes DAC chunks after waits */
  uint64_t toff;      /* global time = backend time + toff while this tile is active */
  uint32_t n_out;     /* last N_OUT written */
  pbit_array_t *arr;
  uint32_t copies;
  int32_t *offsets; /* [max_copies] */
  int32_t *codes;   /* latched DAC codes [max_units] */
  uint64_t dac_chunks;
  int sinked;  /* the backend pushes chunks (dac_sink) */
  int sink_rc; /* first error of dac_sink, reported by take_dac */
  pbit_error_t sink_err;
} hal_tile_t;

struct pbit_hal {
  const pbit_hal_backend_t *be;
  pbit_dp_params_t p;
  pbit_error_t err;
  uint32_t ntiles;
  hal_tile_t *tiles;
  hal_tile_t *t; /* the selected tile */
  uint32_t max_copies;
  double input_lsb;
  int32_t *port;  /* scratch [max_units] */
  double *inputs; /* scratch [max_copies] */
  uint8_t *row;   /* scratch [max_units * max_copies] */
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

/* ---- time: one clock for every tile. Only the selected tile is driven,
 * so global time advances by the selected backend's time; a backend that
 * clocks idle tiles too (systemc) or not (model, rtl) gives the same. */

static uint64_t global_now(const pbit_hal_t *h) { return h->be->now(h->t->ctx) + h->t->toff; }

/* ---- p-bit side (of the selected tile) */

static int sync_array(pbit_hal_t *h, uint64_t t) {
  uint64_t a = pbit_array_now(h->t->arr);
  if (t < a)
    return fail(h, PBIT_ERR_RUNTIME, "p-bit time would go back (%llu < %llu)",
                (unsigned long long)t, (unsigned long long)a);
  return t > a ? pbit_array_advance(h->t->arr, t - a) : PBIT_OK;
}

static int drive_units(pbit_hal_t *h, uint32_t first, uint32_t count) {
  hal_tile_t *t = h->t;
  uint32_t K = t->copies;
  for (uint32_t j = first; j < first + count; j++) {
    for (uint32_t k = 0; k < K; k++)
      h->inputs[k] = ((double)t->codes[j] + (double)t->offsets[k]) * h->input_lsb;
    int rc = pbit_array_set_inputs(t->arr, (size_t)j * K, K, h->inputs);
    if (rc != PBIT_OK) return fail(h, rc, "p-bit input out of range");
  }
  return PBIT_OK;
}

/* DAC chunk c of the selected tile (units [cL, cL + L) of N_OUT), carried
 * by the port in global cycle `cycle`: the p-bits of those units take their
 * new inputs in that cycle. */
static int apply_chunk(pbit_hal_t *h, uint64_t cycle, uint32_t c, const int32_t *codes) {
  hal_tile_t *t = h->t;
  uint32_t L = (uint32_t)h->p.lanes, first = c * L;
  if (first >= t->n_out) return fail(h, PBIT_ERR_RUNTIME, "DAC port: chunk %u beyond N_OUT", c);
  uint32_t count = t->n_out - first < L ? t->n_out - first : L;
  int rc = sync_array(h, cycle);
  if (rc != PBIT_OK) return rc;
  memcpy(t->codes + first, codes, count * sizeof *t->codes);
  return drive_units(h, first, count);
}

/* The push path (backends with set_dac_sink): called by the backend in the
 * cycle a chunk appears; errors are kept for the wait that follows. */
static int dac_sink(void *user, uint64_t cycle, uint32_t chunk, const int32_t *codes,
                    uint32_t lanes) {
  hal_tile_t *t = user;
  pbit_hal_t *h = t->h;
  if (t->sink_rc != PBIT_OK) return t->sink_rc;
  int rc;
  if (t != h->t)
    rc = fail(h, PBIT_ERR_RUNTIME, "DAC port: a chunk from a tile that is not selected");
  else if (lanes != (uint32_t)h->p.lanes)
    rc = fail(h, PBIT_ERR_RUNTIME, "DAC port: %u lanes, expected %d", lanes, h->p.lanes);
  else
    rc = apply_chunk(h, cycle + t->toff, chunk, codes);
  if (rc != PBIT_OK) {
    t->sink_rc = rc;
    t->sink_err = h->err;
  }
  return rc;
}

/* After an operation: the DAC chunks it emitted (C of them for N_OUT units;
 * chunk c of C in cycle last_cycle - (C-1-c)). Pulled from the backend and
 * applied here, or already applied through dac_sink: then only checked. */
static int take_dac(pbit_hal_t *h) {
  hal_tile_t *t = h->t;
  uint64_t last = 0;
  uint64_t k = h->be->take_dac(t->ctx, &last, h->port, (size_t)h->p.max_units);
  if (t->sink_rc != PBIT_OK) {
    h->err = t->sink_err;
    return t->sink_rc;
  }
  if (k == 0) return PBIT_OK;
  last += t->toff;
  uint32_t L = (uint32_t)h->p.lanes;
  uint32_t C = (t->n_out + L - 1) / L;
  if (k != C || last + 1 < C)
    return fail(h, PBIT_ERR_RUNTIME, "DAC port: %llu chunks, expected %u", (unsigned long long)k,
                C);
  for (uint32_t c = 0; c < C && !t->sinked; c++) {
    int rc = apply_chunk(h, last - (C - 1 - c), c, h->port + (size_t)c * L);
    if (rc != PBIT_OK) return rc;
  }
  t->dac_chunks += k;
  return PBIT_OK;
}

/* ---- bus wrapper (ctx: the HAL; acts on the selected tile) */

static int hb_write(void *ctx, uint32_t addr, uint32_t data) {
  pbit_hal_t *h = ctx;
  int rc = h->t->bus.write(h->t->bus.ctx, addr, data);
  if (rc == PBIT_OK && addr == PBIT_DP_REG_N_OUT) h->t->n_out = data;
  return rc;
}
static int hb_read(void *ctx, uint32_t addr, uint32_t *data) {
  pbit_hal_t *h = ctx;
  return h->t->bus.read(h->t->bus.ctx, addr, data);
}
static int hb_wait(void *ctx, uint64_t max_cycles) {
  pbit_hal_t *h = ctx;
  int rc = h->t->bus.wait_idle(h->t->bus.ctx, max_cycles);
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
  for (uint32_t i = 0; h->tiles != NULL && i < h->ntiles; i++) {
    hal_tile_t *t = &h->tiles[i];
    if (t->ctx != NULL) h->be->destroy(t->ctx);
    pbit_array_destroy(t->arr);
    free(t->offsets);
    free(t->codes);
  }
  free(h->tiles);
  free(h->port);
  free(h->inputs);
  free(h->row);
  free(h);
}

static const pbit_hal_backend_t *find_backend(const char *name, pbit_error_t *err) {
  if (strcmp(name, "model") == 0) return &pbit_hal_model_backend;
  if (strcmp(name, "rtl") == 0) {
    if (pbit_hal_rtl_backend != NULL) return pbit_hal_rtl_backend();
    pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                   "this program has no RTL backend (link libpbit_hal_rtl)");
    return NULL;
  }
  if (strcmp(name, "systemc") == 0) {
    if (pbit_hal_systemc_backend != NULL) return pbit_hal_systemc_backend();
    pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                   "this program has no SystemC backend (link the SystemC builds)");
    return NULL;
  }
  pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0, "unknown HAL backend '%s' (model, rtl, systemc)",
                 name);
  return NULL;
}

/* Seed of tile i's p-bit array: the run's seed for tile 0, a distinct
 * stream for the others. */
static uint64_t tile_seed(uint64_t seed, uint32_t i) {
  return i == 0 ? seed : seed ^ (UINT64_C(0x9E3779B97F4A7C15) * i);
}

int pbit_hal_open(const pbit_hal_config_t *cfg, pbit_hal_t **out, pbit_error_t *err) {
  if (cfg == NULL || out == NULL || cfg->backend == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL argument");
  *out = NULL;
  const pbit_hal_backend_t *be = find_backend(cfg->backend, err);
  if (be == NULL) return err != NULL ? err->status : PBIT_ERR_CONFIG;
  int rc = pbit_dp_params_validate(&cfg->accel, err);
  if (rc != PBIT_OK) return rc;
  uint32_t ntiles = cfg->tiles == 0 ? 1 : cfg->tiles;
  if (cfg->max_copies < 1 || cfg->max_copies > 4096 || !(cfg->input_lsb > 0) || cfg->dt_ns < 0 ||
      ntiles > PBIT_HAL_MAX_TILES)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "need max_copies in 1..4096, input_lsb > 0, dt_ns >= 0, tiles <= %d",
                          PBIT_HAL_MAX_TILES);
  if (cfg->trace != NULL && be->trace == NULL)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "the %s backend writes no waveforms (--trace needs rtl or systemc)",
                          be->name);
  pbit_hal_t *h = calloc(1, sizeof *h);
  if (h == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  h->be = be;
  h->p = cfg->accel;
  h->max_copies = cfg->max_copies;
  h->input_lsb = cfg->input_lsb;
  size_t mu = (size_t)cfg->accel.max_units, np = mu * cfg->max_copies;
  h->tiles = calloc(ntiles, sizeof *h->tiles);
  h->port = calloc(mu, sizeof *h->port);
  h->inputs = calloc(cfg->max_copies, sizeof *h->inputs);
  h->row = calloc(np, 1);
  if (!h->tiles || !h->port || !h->inputs || !h->row) {
    pbit_hal_close(h);
    return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  }
  h->ntiles = ntiles;
  double dt = cfg->dt_ns > 0 ? cfg->dt_ns : cfg->accel.clock_ns;
  for (uint32_t i = 0; i < ntiles; i++) {
    hal_tile_t *t = &h->tiles[i];
    t->copies = 1;
    t->offsets = calloc(cfg->max_copies, sizeof *t->offsets);
    t->codes = calloc(mu, sizeof *t->codes);
    if (!t->offsets || !t->codes) {
      pbit_hal_close(h);
      return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    rc = pbit_array_create(&cfg->device, np, dt, tile_seed(cfg->seed, i), &t->arr, err);
    if (rc == PBIT_OK) rc = be->create(&cfg->accel, &t->ctx, err);
    if (rc == PBIT_OK && cfg->trace != NULL) rc = be->trace(t->ctx, cfg->trace, i, err);
    if (rc != PBIT_OK) {
      pbit_hal_close(h);
      return rc;
    }
    t->h = h;
    if (be->set_dac_sink != NULL) {
      be->set_dac_sink(t->ctx, dac_sink, t);
      t->sinked = 1;
    }
    t->bus = be->bus(t->ctx);
    pbit_dp_bus_t hb = {h, hb_write, hb_read, hb_wait};
    t->hbus = hb;
  }
  h->t = &h->tiles[0];
  h->t->toff = 0 - be->now(h->t->ctx); /* global time starts at 0 */
  *out = h;
  return PBIT_OK;
}

/* ---- hal.h */

const char *pbit_hal_error(const pbit_hal_t *h) { return h ? h->err.msg : "NULL HAL"; }
const char *pbit_hal_backend(const pbit_hal_t *h) { return h ? h->be->name : ""; }
uint64_t pbit_hal_now(const pbit_hal_t *h) { return h ? global_now(h) : 0; }
uint32_t pbit_hal_tiles(const pbit_hal_t *h) { return h ? h->ntiles : 0; }

#define CHECK(h, cond)                                                           \
  do {                                                                           \
    if ((h) == NULL) return PBIT_HAL_ERR_ARG;                                    \
    pbit_error_clear(&(h)->err);                                                 \
    if (!(cond)) return fail((h), PBIT_ERR_ARG, "bad argument in %s", __func__); \
  } while (0)

int pbit_hal_select(pbit_hal_t *h, uint32_t tile) {
  CHECK(h, tile < h->ntiles);
  hal_tile_t *t = &h->tiles[tile];
  if (t == h->t) return PBIT_HAL_OK;
  /* Leave the current tile idle (an operation it runs is waited for), then
   * continue global time on the new one. */
  int rc = pbit_dp_drv_wait(&h->t->hbus, &h->err);
  if (rc != PBIT_OK) return done(h, rc);
  uint64_t g = global_now(h);
  h->t = t;
  t->toff = g - h->be->now(t->ctx);
  return PBIT_HAL_OK;
}

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
  out->tiles = h->ntiles;
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
  return done(h, pbit_dp_drv_geometry(&h->t->hbus, n_in, n_out, dac_shift, &h->err));
}

int pbit_hal_load_weights(pbit_hal_t *h, uint32_t row0, uint32_t rows, uint32_t ncols,
                          const int32_t *w) {
  CHECK(h, w != NULL || rows == 0 || ncols == 0);
  for (uint32_t r = 0; r < rows; r++) {
    int rc = pbit_dp_drv_win_write(&h->t->hbus, PBIT_DP_WIN_WEIGHT, row0 + r, 0,
                                   w + (size_t)r * ncols, ncols, &h->err);
    if (rc != PBIT_OK) return done(h, rc);
  }
  return PBIT_HAL_OK;
}

static int read_win32(pbit_hal_t *h, uint32_t sel, uint32_t row, int32_t *v, size_t n) {
  int64_t buf[64];
  for (size_t k = 0; k < n; k += 64) {
    size_t m = n - k < 64 ? n - k : 64;
    int rc = pbit_dp_drv_win_read(&h->t->hbus, sel, row, (uint32_t)k, buf, m, &h->err);
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
  return done(h, pbit_dp_drv_win_write(&h->t->hbus, PBIT_DP_WIN_BIAS, 0, 0, b, n, &h->err));
}

int pbit_hal_read_bias(pbit_hal_t *h, int32_t *b, size_t n) {
  CHECK(h, b != NULL || n == 0);
  return read_win32(h, PBIT_DP_WIN_BIAS, 0, b, n);
}

int pbit_hal_load_delta(pbit_hal_t *h, const int32_t *d, size_t n) {
  CHECK(h, d != NULL || n == 0);
  return done(h, pbit_dp_drv_win_write(&h->t->hbus, PBIT_DP_WIN_DELTA, 0, 0, d, n, &h->err));
}

int pbit_hal_load_input_at(pbit_hal_t *h, uint32_t col, const uint8_t *x, size_t n) {
  CHECK(h, x != NULL || n == 0);
  int32_t buf[256];
  for (size_t k = 0; k < n; k += 256) {
    size_t m = n - k < 256 ? n - k : 256;
    for (size_t i = 0; i < m; i++) buf[i] = x[k + i] != 0;
    int rc = pbit_dp_drv_win_write(&h->t->hbus, PBIT_DP_WIN_INPUT, 0, col + (uint32_t)k, buf, m,
                                   &h->err);
    if (rc != PBIT_OK) return done(h, rc);
  }
  return PBIT_HAL_OK;
}

int pbit_hal_load_input(pbit_hal_t *h, const uint8_t *x, size_t n) {
  return pbit_hal_load_input_at(h, 0, x, n);
}

int pbit_hal_read_acc(pbit_hal_t *h, int64_t *acc, size_t n) {
  CHECK(h, acc != NULL || n == 0);
  return done(h, pbit_dp_drv_win_read(&h->t->hbus, PBIT_DP_WIN_ACC, 0, 0, acc, n, &h->err));
}

int pbit_hal_read_dac(pbit_hal_t *h, int32_t *codes, size_t n) {
  CHECK(h, codes != NULL || n == 0);
  return read_win32(h, PBIT_DP_WIN_DAC, 0, codes, n);
}

int pbit_hal_run_list(pbit_hal_t *h, uint32_t ctrl, const uint32_t *idx, size_t n) {
  CHECK(h, idx != NULL || n == 0);
  return done(h, pbit_dp_drv_run(&h->t->hbus, (uint32_t)h->p.fifo_depth, ctrl, idx, n, &h->err));
}

int pbit_hal_run_vector(pbit_hal_t *h, uint32_t ctrl) {
  CHECK(h, 1);
  return done(h, pbit_dp_drv_run_vector(&h->t->hbus, ctrl, &h->err));
}

int pbit_hal_wait(pbit_hal_t *h) {
  CHECK(h, 1);
  return done(h, pbit_dp_drv_wait(&h->t->hbus, &h->err));
}

int pbit_hal_counters(pbit_hal_t *h, uint64_t c[PBIT_DP_NUM_COUNTERS]) {
  CHECK(h, c != NULL);
  pbit_dp_counters_t dc;
  int rc = pbit_dp_drv_counters(&h->t->hbus, &dc, &h->err);
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
  int rc = pbit_dp_drv_wait(&h->t->hbus, &h->err);
  if (rc != PBIT_OK) return done(h, rc);
  rc = sync_array(h, global_now(h));
  return rc == PBIT_OK ? PBIT_HAL_OK : done(h, rc);
}

int pbit_hal_pbit_copies(pbit_hal_t *h, uint32_t copies, const int32_t *offsets) {
  CHECK(h, copies >= 1 && copies <= h->max_copies);
  int rc = pbit_prepare(h);
  if (rc != PBIT_HAL_OK) return rc;
  h->t->copies = copies;
  for (uint32_t k = 0; k < h->max_copies; k++)
    h->t->offsets[k] = (offsets != NULL && k < copies) ? offsets[k] : 0;
  rc = drive_units(h, 0, (uint32_t)h->p.max_units);
  return rc == PBIT_OK ? PBIT_HAL_OK : hal_status(rc);
}

int pbit_hal_pbit_sample(pbit_hal_t *h, uint32_t n_units, uint32_t cycles, uint32_t *counts,
                         uint8_t *states) {
  CHECK(h, n_units <= (uint32_t)h->p.max_units);
  int rc = pbit_prepare(h);
  if (rc != PBIT_HAL_OK) return rc;
  uint32_t K = h->t->copies;
  size_t np = (size_t)n_units * K;
  if (counts != NULL) memset(counts, 0, n_units * sizeof *counts);
  /* The datapath idles for `cycles` clocks; the p-bits are read after each
   * one (the array is lazy, so it can follow the clock afterwards). */
  uint64_t t0 = global_now(h);
  rc = h->be->idle(h->t->ctx, cycles, &h->err);
  if (rc != PBIT_OK) return done(h, rc);
  for (uint32_t t = 0; t < cycles; t++) {
    rc = sync_array(h, t0 + t + 1);
    if (rc == PBIT_OK && np > 0) rc = pbit_array_read(h->t->arr, 0, np, h->row);
    if (rc != PBIT_OK) return fail(h, rc, "p-bit read failed");
    if (states != NULL) memcpy(states + (size_t)t * np, h->row, np);
    if (counts != NULL)
      for (size_t i = 0; i < np; i++) counts[i / K] += h->row[i];
  }
  return PBIT_HAL_OK;
}

int pbit_hal_pbit_codes(pbit_hal_t *h, int32_t *codes, size_t n) {
  CHECK(h, (codes != NULL || n == 0) && n <= (size_t)h->p.max_units);
  int rc = pbit_prepare(h);
  if (rc != PBIT_HAL_OK) return rc;
  memcpy(codes, h->t->codes, n * sizeof *codes);
  return PBIT_HAL_OK;
}

int pbit_hal_pbit_counters(pbit_hal_t *h, pbit_hal_pbit_counters_t *out) {
  CHECK(h, out != NULL);
  int rc = pbit_prepare(h);
  if (rc != PBIT_HAL_OK) return rc;
  pbit_counters_t c;
  pbit_array_counters(h->t->arr, &c);
  out->samples = c.samples;
  out->flips = c.flips;
  out->dac_writes = c.dac_writes;
  out->pbit_cycles = c.pbit_cycles;
  out->cycles = c.cycles;
  out->dac_chunks = h->t->dac_chunks;
  return PBIT_HAL_OK;
}

/* ---- simulator state (hal_sim.h). Kept at the end of the file (its
 * include too), apart from the bus and DAC code above. */

#include "state.h"

#define HAL_STATE_MAGIC UINT64_C(0x3154534c41484250) /* "PBHALST1" */

typedef struct {
  uint64_t magic, config; /* config: hash of what the state needs to match */
  char backend[16];
  char accel[64];
  uint32_t tiles, max_copies, max_units, selected;
} hal_state_head_t;

static void hal_state_head(const pbit_hal_t *h, hal_state_head_t *hd) {
  memset(hd, 0, sizeof *hd);
  hd->magic = HAL_STATE_MAGIC;
  snprintf(hd->backend, sizeof hd->backend, "%s", h->be->name);
  snprintf(hd->accel, sizeof hd->accel, "%s", h->p.name);
  hd->tiles = h->ntiles;
  hd->max_copies = h->max_copies;
  hd->max_units = (uint32_t)h->p.max_units;
  hd->selected = (uint32_t)(h->t - h->tiles);
  const int32_t g[] = {h->p.lanes,     h->p.weight_bits, h->p.acc_bits,   h->p.dac_bits,
                       h->p.scan_bits, h->p.fifo_depth,  h->p.max_inputs, h->p.max_units};
  uint64_t x = pbit_state_hash(PBIT_STATE_HASH_INIT, hd->accel, sizeof hd->accel);
  x = pbit_state_hash(x, g, sizeof g);
  x = pbit_state_hash(x, &h->p.clock_ns, sizeof h->p.clock_ns);
  hd->config = pbit_state_hash(x, &h->input_lsb, sizeof h->input_lsb);
}

int pbit_hal_sim_state_supported(const pbit_hal_t *h) {
  return h != NULL && h->be == &pbit_hal_model_backend;
}

static int state_unsupported(const pbit_hal_t *h, pbit_error_t *err) {
  if (h == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL HAL");
  return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                        "the %s backend cannot save or restore its simulator state (the "
                        "Verilator model is not savable): only the model backend can",
                        h->be->name);
}

/* Per tile: toff, n_out, copies, dac_chunks, offsets, codes, then the
 * array's and the backend's states, each after its byte count. */
static void tile_state_write(const pbit_hal_t *h, const hal_tile_t *t, pbit_state_writer_t *w,
                             int *rc, pbit_error_t *err) {
  pbit_state_put_u64(w, t->toff);
  const uint32_t v[2] = {t->n_out, t->copies};
  pbit_state_put(w, v, sizeof v);
  pbit_state_put_u64(w, t->dac_chunks);
  pbit_state_put(w, t->offsets, h->max_copies * sizeof *t->offsets);
  pbit_state_put(w, t->codes, (size_t)h->p.max_units * sizeof *t->codes);
  size_t na = pbit_array_state_size(t->arr), nb = pbit_hal_model_state_size(t->ctx);
  pbit_state_put_u64(w, na);
  if (w->buf != NULL) {
    if (!w->ok || na > w->cap - w->pos)
      w->ok = 0;
    else if (*rc == PBIT_OK)
      *rc = pbit_array_state_save(t->arr, w->buf + w->pos, na, err);
  }
  w->pos += na;
  pbit_state_put_u64(w, nb);
  if (w->buf != NULL) {
    if (!w->ok || nb > w->cap - w->pos)
      w->ok = 0;
    else if (*rc == PBIT_OK)
      *rc = pbit_hal_model_state_save(t->ctx, w->buf + w->pos, nb, err);
  }
  w->pos += nb;
}

static int hal_state_write(const pbit_hal_t *h, pbit_state_writer_t *w, pbit_error_t *err) {
  hal_state_head_t hd;
  hal_state_head(h, &hd);
  pbit_state_put(w, &hd, sizeof hd);
  int rc = PBIT_OK;
  for (uint32_t i = 0; i < h->ntiles; i++) tile_state_write(h, &h->tiles[i], w, &rc, err);
  return rc;
}

int pbit_hal_sim_state_size(const pbit_hal_t *h, size_t *len, pbit_error_t *err) {
  if (len != NULL) *len = 0;
  if (!pbit_hal_sim_state_supported(h)) return state_unsupported(h, err);
  if (len == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL argument");
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, NULL, 0);
  hal_state_write(h, &w, err);
  *len = w.pos;
  return PBIT_OK;
}

int pbit_hal_sim_state_save(const pbit_hal_t *h, void *buf, size_t len, pbit_error_t *err) {
  if (!pbit_hal_sim_state_supported(h)) return state_unsupported(h, err);
  size_t need = 0;
  pbit_hal_sim_state_size(h, &need, err);
  if (buf == NULL || len < need)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "simulator state: buffer of %zu bytes, need %zu", buf ? len : 0, need);
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, buf, len);
  int rc = hal_state_write(h, &w, err);
  if (rc == PBIT_OK && (!w.ok || w.pos != need))
    rc = pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0, "simulator state: size changed");
  return rc;
}

int pbit_hal_sim_state_restore(pbit_hal_t *h, const void *buf, size_t len, pbit_error_t *err) {
  if (h == NULL || buf == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "simulator state: NULL argument");
  pbit_state_reader_t r;
  pbit_state_reader_init(&r, buf, len);
  hal_state_head_t got, want;
  hal_state_head(h, &want);
  pbit_state_get(&r, &got, sizeof got);
  got.backend[sizeof got.backend - 1] = '\0';
  got.accel[sizeof got.accel - 1] = '\0';
  if (!r.ok || got.magic != HAL_STATE_MAGIC)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "not a pbitsim simulator state");
  if (strcmp(got.backend, want.backend) != 0)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "simulator state saved on the %s backend, this run uses %s", got.backend,
                          want.backend);
  if (!pbit_hal_sim_state_supported(h)) return state_unsupported(h, err);
  if (strcmp(got.accel, want.accel) != 0)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "simulator state saved for accel '%s', this run uses '%s'", got.accel,
                          want.accel);
  if (got.tiles != want.tiles || got.max_copies != want.max_copies ||
      got.max_units != want.max_units)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "simulator state of %u tiles x %u copies, this run has %u x %u",
                          got.tiles, got.max_copies, want.tiles, want.max_copies);
  if (got.config != want.config)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "simulator state saved with other accel '%s' parameters or p-bit "
                          "input scale (input_lsb)",
                          want.accel);
  if (got.selected >= h->ntiles)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "simulator state: bad tile number");
  /* Every tile's record must end where the next begins and the last at
   * the end (the array's and backend's parts carry their byte counts,
   * which their own restores check: an older datapath state is shorter).
   * Then tile by tile, the array first: its check (device, seed) refuses
   * before any change on tile 0. */
  const size_t mc = h->max_copies, mu = (size_t)h->p.max_units;
  pbit_state_reader_t walk = r;
  const size_t fixed = 2 * sizeof(uint64_t) + 2 * sizeof(uint32_t) + (mc + mu) * sizeof(int32_t);
  for (uint32_t i = 0; i < h->ntiles; i++) {
    pbit_state_skip(&walk, fixed);
    for (int part = 0; part < 2; part++) pbit_state_skip(&walk, pbit_state_get_u64(&walk));
  }
  if (!walk.ok || walk.pos != len)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0,
                          "simulator state: %zu bytes do not hold %u tile records", len, h->ntiles);
  for (uint32_t i = 0; i < h->ntiles; i++) {
    hal_tile_t *t = &h->tiles[i];
    uint64_t toff = pbit_state_get_u64(&r);
    uint32_t v[2];
    pbit_state_get(&r, v, sizeof v);
    uint64_t chunks = pbit_state_get_u64(&r);
    size_t at_offsets = r.pos;
    pbit_state_skip(&r, (mc + mu) * sizeof(int32_t));
    size_t na = (size_t)pbit_state_get_u64(&r);
    int rc = r.ok && na <= len - r.pos
                 ? pbit_array_state_restore(t->arr, r.buf + r.pos, na, err)
                 : pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "simulator state: truncated");
    if (rc == PBIT_OK && (v[1] < 1 || v[1] > h->max_copies))
      rc = pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "simulator state: bad copy count");
    if (rc != PBIT_OK) {
      if (err != NULL && i > 0) {
        char m[sizeof err->msg + 32];
        snprintf(m, sizeof m, "tile %u: %s", i, err->msg);
        snprintf(err->msg, sizeof err->msg, "%.*s", (int)sizeof err->msg - 1, m);
      }
      return rc;
    }
    r.pos += na;
    size_t nb = (size_t)pbit_state_get_u64(&r);
    rc = r.ok && nb <= len - r.pos
             ? pbit_hal_model_state_restore(t->ctx, r.buf + r.pos, nb, err)
             : pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "simulator state: truncated");
    if (rc != PBIT_OK) return rc;
    r.pos += nb;
    t->toff = toff;
    t->n_out = v[0];
    t->copies = v[1];
    t->dac_chunks = chunks;
    memcpy(t->offsets, r.buf + at_offsets, mc * sizeof *t->offsets);
    memcpy(t->codes, r.buf + at_offsets + mc * sizeof *t->offsets, mu * sizeof *t->codes);
  }
  h->t = &h->tiles[got.selected];
  pbit_error_clear(&h->err);
  return PBIT_OK;
}
