/* HAL backend "rtl": the Verilator harness (sim/dp_rtl/). Time is the
 * harness's clock count; the DAC codes are those it recorded from the
 * dac_valid_o/dac_chunk_o/dac_codes_o port, with the cycle of the last
 * chunk. The harness has no idle-clock call: an idle cycle is a read of
 * STATUS (one clock, no side effect). Waveforms: VCD from the main builds,
 * FST from the Vdp_<name>_fst builds (trace switches to one, see r_trace). */
#include <stdlib.h>

#include "dp_rtl/dp_rtl.h"
#include "dp_rtl/dp_rtl_trace.h"
#include "hal_backend.h"

typedef struct {
  pbit_dp_rtl_t *r;
  uint64_t c0, chunks_taken;
  pbit_dp_bus_t bus;
  pbit_dp_params_t p;
} rtl_ctx_t;

/* A fresh harness: time and DAC chunks count from here. */
static void r_start(rtl_ctx_t *c) {
  c->c0 = pbit_dp_rtl_cycles(c->r);
  c->chunks_taken = pbit_dp_rtl_dac_chunks(c->r);
  c->bus = pbit_dp_rtl_bus(c->r);
}

static int r_create(const pbit_dp_params_t *p, void **ctx, pbit_error_t *err) {
  rtl_ctx_t *c = calloc(1, sizeof *c);
  if (c == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  int rc = pbit_dp_rtl_create(p, &c->r, err);
  if (rc != PBIT_OK) {
    free(c);
    return rc;
  }
  c->p = *p;
  r_start(c);
  *ctx = c;
  return PBIT_OK;
}

static void r_destroy(void *vctx) {
  rtl_ctx_t *c = vctx;
  if (c == NULL) return;
  pbit_dp_rtl_destroy(c->r);
  free(c);
}

static pbit_dp_bus_t r_bus(void *vctx) { return ((rtl_ctx_t *)vctx)->bus; }

static uint64_t r_now(void *vctx) {
  rtl_ctx_t *c = vctx;
  return pbit_dp_rtl_cycles(c->r) - c->c0;
}

static int r_idle(void *vctx, uint64_t cycles, pbit_error_t *err) {
  rtl_ctx_t *c = vctx;
  for (uint64_t k = 0; k < cycles; k++) {
    uint32_t s = 0;
    int rc = pbit_dp_rtl_reg_read(c->r, PBIT_DP_REG_STATUS, &s);
    if (rc != PBIT_OK) return pbit_error_set(err, rc, NULL, 0, 0, "RTL bus read failed");
  }
  return PBIT_OK;
}

static uint64_t r_take_dac(void *vctx, uint64_t *last_cycle, int32_t *codes, size_t n) {
  rtl_ctx_t *c = vctx;
  uint64_t total = pbit_dp_rtl_dac_chunks(c->r);
  uint64_t k = total - c->chunks_taken;
  c->chunks_taken = total;
  *last_cycle = pbit_dp_rtl_dac_last_cycle(c->r) - c->c0;
  if (k > 0) pbit_dp_rtl_dac_codes(c->r, codes, n);
  return k;
}

/* Right after create (nothing driven yet): a .fst trace needs an FST
 * build, so the harness is swapped for a fresh one of that build (the same
 * state: reset, nothing else). */
static int r_trace(void *vctx, const char *path, uint32_t tile, pbit_error_t *err) {
  rtl_ctx_t *c = vctx;
  if (c == NULL || path == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL argument");
  char file[1024];
  int fmt = pbit_dp_trace_path(path, tile, file, sizeof file);
  if (fmt == 0)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "trace file '%s': unknown extension (want .vcd or .fst)", path);
  if (fmt < 0) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "trace file name too long");
  if (fmt != pbit_dp_rtl_trace_format(c->r)) {
    pbit_dp_rtl_t *r = NULL;
    int rc = pbit_dp_rtl_create_traced(&c->p, fmt, &r, err);
    if (rc != PBIT_OK) return rc;
    pbit_dp_rtl_destroy(c->r);
    c->r = r;
    r_start(c);
  }
  return pbit_dp_rtl_trace_open(c->r, file, c->p.clock_ns, err);
}

static const pbit_hal_backend_t kRtl = {"rtl",  r_create,   r_destroy, r_bus, r_now,
                                        r_idle, r_take_dac, r_trace,   NULL};

const pbit_hal_backend_t *pbit_hal_rtl_backend(void) { return &kRtl; }
