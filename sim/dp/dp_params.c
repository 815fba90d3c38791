/* Range and consistency checks of an accelerator configuration. The same
 * rules guard the YAML loader (sim/config/config_accel.c, which reports them
 * with file positions) and every other producer of a pbit_dp_params_t. */
#include "dp/dp_params.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Names end up in file names (build/synth/<name>.log) and make variables. */
static int name_ok(const char *s, size_t size) {
  size_t n = strnlen(s, size);
  if (n == 0 || n == size) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || (i > 0 && (c == '-' || c == '.'));
    if (!ok) return 0;
  }
  return 1;
}

int pbit_dp_params_validate(const pbit_dp_params_t *p, pbit_error_t *err) {
  if (p == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "params is NULL");
  if (!name_ok(p->name, sizeof(p->name)))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "accel name must be 1..%zu characters of [A-Za-z0-9_.-] "
                          "starting with a letter, digit or '_'",
                          sizeof(p->name) - 1);
  static const struct {
    const char *name;
    size_t offset;
    int lo, hi;
  } kRanges[] = {
      {"lanes", offsetof(pbit_dp_params_t, lanes), 1, 256},
      {"weight_bits", offsetof(pbit_dp_params_t, weight_bits), 2, 32},
      {"acc_bits", offsetof(pbit_dp_params_t, acc_bits), 2, 48},
      {"dac_bits", offsetof(pbit_dp_params_t, dac_bits), 2, 24},
      {"scan_bits", offsetof(pbit_dp_params_t, scan_bits), 1, 256},
      {"fifo_depth", offsetof(pbit_dp_params_t, fifo_depth), 2, 4096},
      {"max_inputs", offsetof(pbit_dp_params_t, max_inputs), 1, 65536},
      {"max_units", offsetof(pbit_dp_params_t, max_units), 1, 65536},
  };
  for (size_t i = 0; i < sizeof(kRanges) / sizeof(kRanges[0]); i++) {
    int v;
    memcpy(&v, (const char *)p + kRanges[i].offset, sizeof(v));
    if (v < kRanges[i].lo || v > kRanges[i].hi)
      return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                            "accel '%s': %s = %d must be in [%d, %d]", p->name, kRanges[i].name, v,
                            kRanges[i].lo, kRanges[i].hi);
  }
  if ((p->fifo_depth & (p->fifo_depth - 1)) != 0)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "accel '%s': fifo_depth = %d must be a power of two", p->name,
                          p->fifo_depth);
  if (p->acc_bits < p->weight_bits)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "accel '%s': acc_bits = %d must be >= weight_bits = %d", p->name,
                          p->acc_bits, p->weight_bits);
  if (p->dac_bits > p->acc_bits)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "accel '%s': dac_bits = %d must be <= acc_bits = %d", p->name,
                          p->dac_bits, p->acc_bits);
  if (!(isfinite(p->clock_ns) && p->clock_ns > 0.0))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "accel '%s': clock_ns = %g must be > 0",
                          p->name, p->clock_ns);
  return PBIT_OK;
}
