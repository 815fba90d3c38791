/* The technology table: node factors, the shipped default, validation. */
#include "energy/tech.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const int pbit_energy_add_bits[PBIT_ENERGY_ADD_POINTS] = {8, 16, 32};
const int pbit_energy_mult_bits[PBIT_ENERGY_MULT_POINTS] = {8, 32};
const double pbit_energy_sram_bytes[PBIT_ENERGY_SRAM_POINTS] = {8192.0, 32768.0, 1048576.0};

double pbit_energy_node_factor(int node_nm) {
  switch (node_nm) {
    case 45:
      return 1.0;
    case 22:
      return 0.59;
    case 16:
      return 0.17;
    case 7:
      return 0.094;
    default:
      return 0.0;
  }
}

void pbit_energy_tech_horowitz45(pbit_energy_tech_t *out) {
  if (out == NULL) return;
  memset(out, 0, sizeof(*out));
  snprintf(out->name, sizeof(out->name), "horowitz45");
  out->node_nm = 45;
  out->voltage_v = 0.9;
  out->int_add_pj[0] = 0.03;
  out->int_add_pj[1] = 0.05;
  out->int_add_pj[2] = 0.1;
  out->int_mult_pj[0] = 0.2;
  out->int_mult_pj[1] = 3.1;
  out->fp16_add_pj = 0.4;
  out->fp16_mult_pj = 1.1;
  out->fp32_add_pj = 0.9;
  out->fp32_mult_pj = 3.7;
  out->sram_read_pj[0] = 10.0;
  out->sram_read_pj[1] = 20.0;
  out->sram_read_pj[2] = 100.0;
  for (int i = 0; i < PBIT_ENERGY_SRAM_POINTS; i++) out->sram_write_pj[i] = out->sram_read_pj[i];
  out->dram_pj = 1300.0;
  out->sram_leak_pw_per_bit = 45.0; /* ESTIMATE, as configs/tech/horowitz45.yaml */
}

static int positive(double v) { return isfinite(v) && v > 0.0; }

static int check_points(const double *v, int n, const char *field, pbit_error_t *err) {
  for (int i = 0; i < n; i++) {
    if (!positive(v[i]))
      return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "%s[%d] = %g must be finite and > 0", field,
                       i, v[i]);
    if (i > 0 && v[i] < v[i - 1])
      return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0,
                       "%s must not decrease along its table points (%g after %g)", field, v[i],
                       v[i - 1]);
  }
  return PBIT_OK;
}

int pbit_energy_tech_validate(const pbit_energy_tech_t *t, pbit_error_t *err) {
  if (t == NULL) return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "tech is NULL");
  if (pbit_energy_node_factor(t->node_nm) == 0.0)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0,
                     "node_nm = %d has no scaling factor (known: 45, 22, 16, 7)", t->node_nm);
  if (!positive(t->voltage_v))
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "voltage_v must be finite and > 0");
  if (!isfinite(t->sram_leak_pw_per_bit) || t->sram_leak_pw_per_bit < 0.0)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "sram_leakage_pw_per_bit must be finite and >= 0");
  int rc = check_points(t->int_add_pj, PBIT_ENERGY_ADD_POINTS, "int_add", err);
  if (rc == PBIT_OK) rc = check_points(t->int_mult_pj, PBIT_ENERGY_MULT_POINTS, "int_mult", err);
  if (rc == PBIT_OK) rc = check_points(t->sram_read_pj, PBIT_ENERGY_SRAM_POINTS, "sram.read", err);
  if (rc == PBIT_OK)
    rc = check_points(t->sram_write_pj, PBIT_ENERGY_SRAM_POINTS, "sram.write", err);
  if (rc != PBIT_OK) return rc;
  const double single[] = {t->fp16_add_pj, t->fp16_mult_pj, t->fp32_add_pj, t->fp32_mult_pj,
                           t->dram_pj};
  const char *names[] = {"fp16.add", "fp16.mult", "fp32.add", "fp32.mult", "dram_64bit_pj"};
  for (int i = 0; i < 5; i++)
    if (!positive(single[i]))
      return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "%s = %g must be finite and > 0", names[i],
                       single[i]);
  return PBIT_OK;
}
