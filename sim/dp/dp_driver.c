/* Register-level driver shared by every datapath backend (dp_driver.h). */
#include "dp/dp_driver.h"

#include <stdio.h>
#include <string.h>

#include "dp/dp_regs.h"

/* Generous bound on one operation: far above any legal cycle count. */
#define WAIT_MAX_CYCLES (UINT64_C(1) << 40)

static int model_write(void *ctx, uint32_t addr, uint32_t data) {
  return pbit_dp_reg_write((pbit_dp_t *)ctx, addr, data);
}
static int model_read(void *ctx, uint32_t addr, uint32_t *data) {
  return pbit_dp_reg_read((pbit_dp_t *)ctx, addr, data);
}

pbit_dp_bus_t pbit_dp_model_bus(pbit_dp_t *dp) {
  pbit_dp_bus_t b = {dp, model_write, model_read, NULL};
  return b;
}

void pbit_dp_err_names(uint32_t err_bits, char *buf, size_t len) {
  static const char *const kNames[] = {"BAD_GEOMETRY", "IDX_RANGE",   "FIFO_OVERFLOW", "BAD_CTRL",
                                       "WIN_RANGE",    "BUSY_ACCESS", "BAD_ADDR"};
  if (buf == NULL || len == 0) return;
  buf[0] = '\0';
  if (err_bits == 0) {
    snprintf(buf, len, "none");
    return;
  }
  size_t used = 0;
  for (int b = 0; b < 7; b++) {
    if (!(err_bits & (1u << b))) continue;
    int w = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", kNames[b]);
    if (w < 0 || (size_t)w >= len - used) return;
    used += (size_t)w;
  }
}

static int wr(const pbit_dp_bus_t *bus, uint32_t addr, uint32_t data, pbit_error_t *err) {
  int rc = bus->write(bus->ctx, addr, data);
  if (rc != PBIT_OK)
    return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0, "datapath bus write 0x%02x failed",
                          (unsigned)addr);
  return PBIT_OK;
}

static int rd(const pbit_dp_bus_t *bus, uint32_t addr, uint32_t *data, pbit_error_t *err) {
  int rc = bus->read(bus->ctx, addr, data);
  if (rc != PBIT_OK)
    return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0, "datapath bus read 0x%02x failed",
                          (unsigned)addr);
  return PBIT_OK;
}

/* Fails if ERR has flags beyond `before`, naming them and what was being
 * done. */
static int check_err(const pbit_dp_bus_t *bus, uint32_t before, const char *what,
                     pbit_error_t *err) {
  uint32_t e = 0;
  int rc = rd(bus, PBIT_DP_REG_ERR, &e, err);
  if (rc != PBIT_OK) return rc;
  e &= ~before;
  if (e == 0) return PBIT_OK;
  char names[128];
  pbit_dp_err_names(e, names, sizeof(names));
  return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0, "datapath error during %s: ERR = %s",
                        what, names);
}

int pbit_dp_drv_check(const pbit_dp_bus_t *bus, const pbit_dp_params_t *p, pbit_error_t *err) {
  if (bus == NULL || p == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL argument");
  uint32_t id = 0, ver = 0;
  int rc = rd(bus, PBIT_DP_REG_ID, &id, err);
  if (rc == PBIT_OK) rc = rd(bus, PBIT_DP_REG_VERSION, &ver, err);
  if (rc != PBIT_OK) return rc;
  if (id != PBIT_DP_ID_VALUE || ver != PBIT_DP_VERSION_VALUE)
    return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0,
                          "datapath ID/VERSION 0x%08x/%u, expected 0x%08x/%u", (unsigned)id,
                          (unsigned)ver, PBIT_DP_ID_VALUE, PBIT_DP_VERSION_VALUE);
  const int want[8] = {p->lanes,     p->weight_bits, p->acc_bits,   p->dac_bits,
                       p->scan_bits, p->fifo_depth,  p->max_inputs, p->max_units};
  static const char *const kNames[8] = {"LANES",     "WEIGHT_BITS", "ACC_BITS",   "DAC_BITS",
                                        "SCAN_BITS", "FIFO_DEPTH",  "MAX_INPUTS", "MAX_UNITS"};
  for (uint32_t k = 0; k < 8; k++) {
    uint32_t v = 0;
    rc = rd(bus, PBIT_DP_REG_LANES + k, &v, err);
    if (rc != PBIT_OK) return rc;
    if (v != (uint32_t)want[k])
      return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0,
                            "datapath %s = %u, accel '%s' wants %d", kNames[k], (unsigned)v,
                            p->name, want[k]);
  }
  return PBIT_OK;
}

int pbit_dp_drv_geometry(const pbit_dp_bus_t *bus, uint32_t n_in, uint32_t n_out,
                         uint32_t dac_shift, pbit_error_t *err) {
  if (bus == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL bus");
  int rc = wr(bus, PBIT_DP_REG_N_IN, n_in, err);
  if (rc == PBIT_OK) rc = wr(bus, PBIT_DP_REG_N_OUT, n_out, err);
  if (rc == PBIT_OK) rc = wr(bus, PBIT_DP_REG_DAC_SHIFT, dac_shift, err);
  return rc;
}

static int win_setup(const pbit_dp_bus_t *bus, uint32_t sel, uint32_t row, uint32_t col,
                     pbit_error_t *err) {
  int rc = wr(bus, PBIT_DP_REG_WIN_SEL, sel, err);
  if (rc == PBIT_OK) rc = wr(bus, PBIT_DP_REG_WIN_ROW, row, err);
  if (rc == PBIT_OK) rc = wr(bus, PBIT_DP_REG_WIN_COL, col, err);
  return rc;
}

int pbit_dp_drv_win_write(const pbit_dp_bus_t *bus, uint32_t sel, uint32_t row, uint32_t col,
                          const int32_t *v, size_t n, pbit_error_t *err) {
  if (bus == NULL || (v == NULL && n > 0))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL argument");
  uint32_t before = 0;
  int rc = rd(bus, PBIT_DP_REG_ERR, &before, err);
  if (rc == PBIT_OK) rc = win_setup(bus, sel, row, col, err);
  for (size_t k = 0; k < n && rc == PBIT_OK; k++)
    rc = wr(bus, PBIT_DP_REG_WIN_DATA, (uint32_t)v[k], err);
  if (rc != PBIT_OK) return rc;
  return check_err(bus, before, "a window write", err);
}

int pbit_dp_drv_win_read(const pbit_dp_bus_t *bus, uint32_t sel, uint32_t row, uint32_t col,
                         int64_t *v, size_t n, pbit_error_t *err) {
  if (bus == NULL || (v == NULL && n > 0))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL argument");
  uint32_t before = 0;
  int rc = rd(bus, PBIT_DP_REG_ERR, &before, err);
  if (rc == PBIT_OK) rc = win_setup(bus, sel, row, col, err);
  for (size_t k = 0; k < n && rc == PBIT_OK; k++) {
    uint32_t lo = 0, hi = 0;
    rc = rd(bus, PBIT_DP_REG_WIN_DATA, &lo, err);
    if (rc != PBIT_OK) break;
    if (sel == PBIT_DP_WIN_ACC) {
      rc = rd(bus, PBIT_DP_REG_WIN_DATA_HI, &hi, err);
      v[k] = (int64_t)(((uint64_t)hi << 32) | lo);
    } else {
      v[k] = (int32_t)lo;
    }
  }
  if (rc != PBIT_OK) return rc;
  return check_err(bus, before, "a window read", err);
}

int pbit_dp_drv_wait(const pbit_dp_bus_t *bus, pbit_error_t *err) {
  if (bus == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL bus");
  if (bus->wait_idle != NULL) {
    if (bus->wait_idle(bus->ctx, WAIT_MAX_CYCLES) != PBIT_OK)
      return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0, "datapath never became idle");
    return PBIT_OK;
  }
  for (uint64_t k = 0; k < WAIT_MAX_CYCLES; k++) {
    uint32_t s = 0;
    int rc = rd(bus, PBIT_DP_REG_STATUS, &s, err);
    if (rc != PBIT_OK) return rc;
    if (!(s & PBIT_DP_STATUS_BUSY)) return PBIT_OK;
  }
  return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0, "datapath never became idle");
}

static int start_and_wait(const pbit_dp_bus_t *bus, uint32_t ctrl, pbit_error_t *err) {
  int rc = wr(bus, PBIT_DP_REG_CTRL, ctrl | PBIT_DP_CTRL_START, err);
  if (rc == PBIT_OK) rc = pbit_dp_drv_wait(bus, err);
  if (rc != PBIT_OK) return rc;
  return check_err(bus, 0, "an operation", err); /* any flag refuses START */
}

int pbit_dp_drv_run(const pbit_dp_bus_t *bus, uint32_t fifo_depth, uint32_t ctrl,
                    const uint32_t *idx, size_t n, pbit_error_t *err) {
  if (bus == NULL || fifo_depth == 0 || (idx == NULL && n > 0))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "bad argument");
  ctrl &= ~(PBIT_DP_CTRL_START | PBIT_DP_CTRL_VECTOR);
  size_t pos = 0;
  do {
    size_t m = n - pos < fifo_depth ? n - pos : fifo_depth;
    uint32_t c = pbit_dp_piece_ctrl(ctrl, pos == 0, pos + m == n);
    int rc = PBIT_OK;
    for (size_t k = 0; k < m && rc == PBIT_OK; k++)
      rc = wr(bus, PBIT_DP_REG_IDX_PUSH, idx[pos + k], err);
    if (rc == PBIT_OK) rc = start_and_wait(bus, c, err);
    if (rc != PBIT_OK) return rc;
    pos += m;
  } while (pos < n);
  return PBIT_OK;
}

int pbit_dp_drv_run_vector(const pbit_dp_bus_t *bus, uint32_t ctrl, pbit_error_t *err) {
  if (bus == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL bus");
  return start_and_wait(bus, (ctrl & ~PBIT_DP_CTRL_START) | PBIT_DP_CTRL_VECTOR, err);
}

int pbit_dp_drv_counters(const pbit_dp_bus_t *bus, pbit_dp_counters_t *c, pbit_error_t *err) {
  if (bus == NULL || c == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "NULL argument");
  for (uint32_t k = 0; k < PBIT_DP_NUM_COUNTERS; k++) {
    uint32_t lo = 0, hi = 0;
    int rc = rd(bus, PBIT_DP_REG_CNT_BASE + 2 * k, &lo, err);
    if (rc == PBIT_OK) rc = rd(bus, PBIT_DP_REG_CNT_BASE + 2 * k + 1, &hi, err);
    if (rc != PBIT_OK) return rc;
    c->v[k] = ((uint64_t)hi << 32) | lo;
  }
  return PBIT_OK;
}
