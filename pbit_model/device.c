#include "device.h"

#include <math.h>
#include <string.h>

void pbit_device_ideal(pbit_device_t *dev) {
  if (dev == NULL) return;
  memset(dev, 0, sizeof(*dev));
  strcpy(dev->name, "ideal");
  dev->convention = PBIT_CONV_UNIPOLAR;
  dev->beta = 1.0;
  dev->rate_model = PBIT_RATE_BIAS_INDEPENDENT;
  dev->attempt_ns = 1.0;
  dev->temperature_k = 300.0;
  dev->reference_temperature_k = 300.0;
}

static int finite_nonneg(double x) { return isfinite(x) && x >= 0.0; }

int pbit_device_validate(const pbit_device_t *dev, pbit_error_t *err) {
  if (dev == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "device is NULL");
#define CHECK(cond, field, what)                                              \
  do {                                                                         \
    if (!(cond))                                                               \
      return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,                     \
                            "device '%s': %s %s", dev->name, field, what);     \
  } while (0)
  CHECK(dev->convention == PBIT_CONV_UNIPOLAR || dev->convention == PBIT_CONV_BIPOLAR,
        "convention", "must be unipolar or bipolar");
  CHECK(isfinite(dev->beta) && dev->beta > 0.0, "beta", "must be > 0");
  CHECK(dev->rate_model == PBIT_RATE_BIAS_INDEPENDENT ||
            dev->rate_model == PBIT_RATE_BIAS_DEPENDENT,
        "rate_model", "must be bias_independent or bias_dependent");
  CHECK(finite_nonneg(dev->dwell_ns), "dwell_ns", "must be >= 0");
  CHECK(isfinite(dev->attempt_ns) && dev->attempt_ns > 0.0, "attempt_ns", "must be > 0");
  CHECK(finite_nonneg(dev->barrier_kt) && dev->barrier_kt <= 60.0, "barrier_kt",
        "must be in [0, 60]");
  CHECK(isfinite(dev->temperature_k) && dev->temperature_k > 0.0, "temperature_k",
        "must be > 0");
  CHECK(isfinite(dev->reference_temperature_k) && dev->reference_temperature_k > 0.0,
        "reference_temperature_k", "must be > 0");
  CHECK(finite_nonneg(dev->sigma_offset), "sigma_offset", "must be >= 0");
  CHECK(finite_nonneg(dev->sigma_gain), "sigma_gain", "must be >= 0");
  CHECK(finite_nonneg(dev->sigma_log_tau) && dev->sigma_log_tau <= 10.0, "sigma_log_tau",
        "must be in [0, 10]");
  CHECK(finite_nonneg(dev->sigma_input), "sigma_input", "must be >= 0");
  CHECK(finite_nonneg(dev->sigma_common), "sigma_common", "must be >= 0");
  CHECK(dev->dac_bits >= 0 && dev->dac_bits <= 24, "dac_bits", "must be in [0, 24]");
  CHECK(dev->dac_bits == 0 || (isfinite(dev->dac_full_scale) && dev->dac_full_scale > 0.0),
        "dac_full_scale", "must be > 0 when dac_bits > 0");
  CHECK(finite_nonneg(dev->stuck_at_0) && dev->stuck_at_0 <= 1.0, "stuck_at_0",
        "must be in [0, 1]");
  CHECK(finite_nonneg(dev->stuck_at_1) && dev->stuck_at_1 <= 1.0, "stuck_at_1",
        "must be in [0, 1]");
  CHECK(dev->stuck_at_0 + dev->stuck_at_1 <= 1.0, "stuck_at_0 + stuck_at_1",
        "must be <= 1");
  CHECK(finite_nonneg(dev->energy_sample_fj), "energy sample_fj", "must be >= 0");
  CHECK(finite_nonneg(dev->energy_flip_fj), "energy flip_fj", "must be >= 0");
  CHECK(finite_nonneg(dev->energy_dac_write_fj), "energy dac_write_fj", "must be >= 0");
  CHECK(finite_nonneg(dev->static_power_nw), "energy static_nw", "must be >= 0");
#undef CHECK
  return PBIT_OK;
}

double pbit_device_dwell_ns(const pbit_device_t *dev) {
  if (dev->barrier_kt > 0.0) {
    double barrier = dev->barrier_kt * dev->reference_temperature_k / dev->temperature_k;
    return dev->attempt_ns * exp(barrier);
  }
  return dev->dwell_ns;
}

double pbit_device_beta_eff(const pbit_device_t *dev) {
  double b = dev->beta * dev->reference_temperature_k / dev->temperature_k;
  return dev->convention == PBIT_CONV_BIPOLAR ? 2.0 * b : b;
}
