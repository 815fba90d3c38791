/* Device parameters of one p-bit technology: plain data, filled from a
 * device YAML (configs/devices/) by the config loader or by code. */
#ifndef PBIT_DEVICE_H
#define PBIT_DEVICE_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the flip rate depends on the input. */
typedef enum {
  /* tau_c fixed by the barrier: tau_c = dwell/2 whatever the input. */
  PBIT_RATE_BIAS_INDEPENDENT = 0,
  /* Neel-Arrhenius telegraph: rates f e^{+z/2} up, f e^{-z/2} down, f =
   * 1/dwell, so tau_c = dwell / (2 cosh(z/2)). */
  PBIT_RATE_BIAS_DEPENDENT = 1,
} pbit_rate_model_t;

/* How the input I maps to the sigmoid argument. */
typedef enum {
  PBIT_CONV_UNIPOLAR = 0, /* P(s=1) = sigmoid(beta I)          */
  PBIT_CONV_BIPOLAR = 1,  /* P(m=+1) = (1 + tanh(beta I)) / 2 = sigmoid(2 beta I) */
} pbit_convention_t;

typedef struct {
  char name[64];
  pbit_convention_t convention;
  double beta; /* input gain at the reference temperature (1/units of I) */

  /* Flip rate. Mean dwell time at zero input; 0 = memoryless (a fresh
   * independent sample every cycle). If barrier_kt > 0 the dwell time is
   * derived instead: dwell = attempt_ns * exp(barrier_kt * T_ref / T). */
  pbit_rate_model_t rate_model;
  double dwell_ns;
  double attempt_ns;
  double barrier_kt; /* barrier height in kT at the reference temperature */

  /* Temperature: beta scales as T_ref / T. */
  double temperature_k;
  double reference_temperature_k;

  /* Device-to-device variation, drawn once per p-bit when an array is built. */
  double sigma_offset;  /* offset_i ~ N(0, sigma_offset), added to z        */
  double sigma_gain;    /* gain_i ~ N(1, sigma_gain), clamped to >= 1e-3    */
  double sigma_log_tau; /* dwell_i = dwell * exp(N(0, sigma_log_tau))       */

  /* Noise on the input I, drawn every cycle. */
  double sigma_input;  /* independent per p-bit */
  double sigma_common; /* one draw per cycle shared by the whole array */

  /* Input DAC: 0 bits = ideal analog input. Otherwise I = code * lsb with
   * code in [-2^(bits-1), 2^(bits-1) - 1], lsb = full_scale / 2^(bits-1). */
  int dac_bits;
  double dac_full_scale;

  /* Stuck-at faults: fractions of the array stuck at 0 / at 1. */
  double stuck_at_0;
  double stuck_at_1;

  /* Energy per counted event (used by the energy ledger, not the model). */
  double energy_sample_fj;
  double energy_flip_fj;
  double energy_dac_write_fj;
  double static_power_nw; /* per p-bit while powered */
} pbit_device_t;

/* Fills *dev with the ideal p-bit: unipolar, beta 1, memoryless, no
 * variation, no noise, no DAC, no faults, 300 K, zero energies. */
void pbit_device_ideal(pbit_device_t *dev);

/* Checks ranges and consistency; fills err naming the offending field. */
int pbit_device_validate(const pbit_device_t *dev, pbit_error_t *err);

/* Mean dwell time at zero input at the operating temperature (ns). */
double pbit_device_dwell_ns(const pbit_device_t *dev);

/* Effective beta at the operating temperature, convention included, so that
 * z = pbit_device_beta_eff(dev) * I for a nominal device. */
double pbit_device_beta_eff(const pbit_device_t *dev);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_DEVICE_H */
