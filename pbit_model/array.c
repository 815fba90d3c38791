#include "array.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "state.h"

/* p-bits per block of the run kernel: the block's thresholds and states stay
 * in L1/L2 while it runs many cycles. A block is also the unit of work of a
 * thread; draws depend only on (p-bit, cycle), never on the split. */
#define PBIT_BLOCK 2048

struct pbit_array {
  pbit_device_t dev;
  size_t n;
  double dt_ns;
  int noisy; /* per-cycle noise: step every cycle */
  int threads;
  uint64_t now;
  double beta_eff;
  double lsb;
  int32_t code_min;
  int32_t code_max;
  uint64_t key_tr;
  uint64_t key_init;
  uint64_t key_noise;
  uint64_t key_common;

  /* Drawn once at build. */
  double *offset;
  double *gain;
  double *dwell;
  int8_t *stuck;

  /* Input and what follows from it. */
  double *input; /* effective input (after the DAC) */
  int32_t *code;
  double *p;
  double *rho;
  double *nl;     /* -log(rho) = dt / tau (INFINITY when rho = 0) */
  uint8_t *stale; /* rho, thr0, thr1 not yet computed for the current law */
  uint64_t *rate; /* expected physical flips per cycle, fixed point 2^-32 */
  uint32_t *thr0; /* threshold of P(1 | previous 0) over one cycle */
  uint32_t *thr1; /* threshold of P(1 | previous 1) over one cycle */

  /* State. */
  uint8_t *s;          /* state at cycle last[i] */
  uint8_t *prev;       /* value of the previous read */
  uint64_t *last;      /* cycle at which s is known */
  uint64_t *last_read; /* cycle of the previous read (UINT64_MAX: never) */

  pbit_counters_t cnt;
  /* Expected flips of resolved intervals in fixed point (2^-32 flips): an
   * integer sum, so it does not depend on the order of evaluation. */
  unsigned __int128 expected_fx;
};

/* Expected flips per cycle -> fixed point, capped far above any real rate. */
static inline uint64_t rate_fx(double rate) {
  if (!(rate > 0.0)) return 0;
  if (rate > 2147483648.0) rate = 2147483648.0;
  /* rate > 0: round half up, as llround does for positive values. */
  return (uint64_t)(rate * 4294967296.0 + 0.5);
}

double pbit_sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

double pbit_correlation_time_ns(const pbit_device_t *dev, double dwell_ns, double z) {
  if (!(dwell_ns > 0.0)) return 0.0;
  if (dev->rate_model == PBIT_RATE_BIAS_DEPENDENT) return dwell_ns / (2.0 * cosh(0.5 * z));
  return 0.5 * dwell_ns;
}

/* P(s' = 1 | s) after a stretch with correlation rhok: the one formula every
 * path uses, so the per-cycle kernel and lazy reads agree bit for bit. */
static inline double trans_prob(double p, double rhok, int s) { return p + ((double)s - p) * rhok; }

/* p, rho and expected flip rate of p-bit i at input I (noise included). */
static void law(const pbit_array_t *a, size_t i, double input, double *p, double *nl,
                uint64_t *rate) {
  if (a->stuck[i] >= 0) {
    *p = (double)a->stuck[i];
    *nl = 0.0;
    *rate = 0;
    return;
  }
  double z = a->beta_eff * input * a->gain[i] + a->offset[i];
  /* One exp for both the sigmoid and, under the bias-dependent rate model,
   * cosh(z / 2) = (e^(z/2) + e^(-z/2)) / 2 (pbit_correlation_time_ns). */
  double ez = exp(-z);
  double pp = 1.0 / (1.0 + ez);
  double tau;
  if (!(a->dwell[i] > 0.0)) {
    tau = 0.0;
  } else if (a->dev.rate_model == PBIT_RATE_BIAS_DEPENDENT) {
    double h = sqrt(ez);
    tau = a->dwell[i] / (h + 1.0 / h);
  } else {
    tau = 0.5 * a->dwell[i];
  }
  double var = 2.0 * pp * (1.0 - pp);
  *p = pp;
  if (tau > 0.0) {
    *nl = a->dt_ns / tau;
    *rate = rate_fx(var * a->dt_ns / tau);
  } else {
    *nl = INFINITY;
    *rate = rate_fx(var); /* memoryless: a fresh sample every cycle */
  }
}

static void update_law(pbit_array_t *a, size_t i) {
  law(a, i, a->input[i], &a->p[i], &a->nl[i], &a->rate[i]);
  a->stale[i] = 1;
}

/* The one-cycle quantities of p-bit i (rho = exp(-dt / tau) and the two
 * thresholds), computed when first needed: a p-bit read only after many
 * cycles never needs them. */
static inline void fresh(pbit_array_t *a, size_t i) {
  if (!a->stale[i]) return;
  a->rho[i] = exp(-a->nl[i]);
  a->thr0[i] = pbit_rng_threshold(trans_prob(a->p[i], a->rho[i], 0));
  a->thr1[i] = pbit_rng_threshold(trans_prob(a->p[i], a->rho[i], 1));
  a->stale[i] = 0;
}

/* Brings p-bit i from cycle last[i] to cycle t under its current input;
 * ck = pbit_rng_counter_key(key_tr, t). */
static void resolve_ck(pbit_array_t *a, size_t i, uint64_t t, uint64_t ck) {
  uint64_t k = t - a->last[i];
  if (k == 0) return;
  if (a->stuck[i] >= 0) {
    a->s[i] = (uint8_t)a->stuck[i];
  } else {
    /* rho^k = exp(-k dt / tau). Beyond k dt / tau = 40 it is below 4.3e-18,
     * eight orders under the 2^-31 resolution of the Bernoulli threshold:
     * the state is a fresh draw from p (no exp call). */
    double x = (double)k * a->nl[i];
    if (k == 1) fresh(a, i);
    double rhok = k == 1 ? a->rho[i] : x > 40.0 ? 0.0 : exp(-x);
    uint32_t thr = pbit_rng_threshold(trans_prob(a->p[i], rhok, a->s[i]));
    a->s[i] = (uint8_t)pbit_rng_bernoulli(pbit_rng_u32_ck(ck, (uint32_t)i), thr);
  }
  a->expected_fx += (unsigned __int128)a->rate[i] * k;
  a->last[i] = t;
}

static void resolve(pbit_array_t *a, size_t i, uint64_t t) {
  if (t != a->last[i]) resolve_ck(a, i, t, pbit_rng_counter_key(a->key_tr, t));
}

/* Read bookkeeping of p-bit i at the current cycle (state already resolved). */
static inline void note_read(pbit_array_t *a, size_t i) {
  if (a->last_read[i] == a->now) return;
  a->cnt.samples++;
  a->cnt.flips += a->s[i] != a->prev[i];
  a->prev[i] = a->s[i];
  a->last_read[i] = a->now;
}

static void free_all(pbit_array_t *a) {
  free(a->offset);
  free(a->gain);
  free(a->dwell);
  free(a->stuck);
  free(a->input);
  free(a->code);
  free(a->p);
  free(a->rho);
  free(a->nl);
  free(a->stale);
  free(a->rate);
  free(a->thr0);
  free(a->thr1);
  free(a->s);
  free(a->prev);
  free(a->last);
  free(a->last_read);
  free(a);
}

int pbit_array_create(const pbit_device_t *dev, size_t n, double dt_ns, uint64_t seed,
                      pbit_array_t **out, pbit_error_t *err) {
  if (out == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "out is NULL");
  *out = NULL;
  int rc = pbit_device_validate(dev, err);
  if (rc != PBIT_OK) return rc;
  if (n == 0 || n > (size_t)UINT32_MAX)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "array size %zu out of range [1, 2^32-1]",
                          n);
  if (!(isfinite(dt_ns) && dt_ns > 0.0))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "clock period dt must be > 0 ns (got %g)",
                          dt_ns);

  pbit_array_t *a = calloc(1, sizeof(*a));
  if (a == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  a->dev = *dev;
  a->n = n;
  a->dt_ns = dt_ns;
  a->threads = 1;
  a->noisy = dev->sigma_input > 0.0 || dev->sigma_common > 0.0;
  a->beta_eff = pbit_device_beta_eff(dev);
  if (dev->dac_bits > 0) {
    int32_t half = (int32_t)1 << (dev->dac_bits - 1);
    a->code_min = -half;
    a->code_max = half - 1;
    a->lsb = dev->dac_full_scale / (double)half;
  }
  a->key_tr = pbit_rng_key(seed, PBIT_STREAM_TRANSITION);
  a->key_init = pbit_rng_key(seed, PBIT_STREAM_INIT);
  a->key_noise = pbit_rng_key(seed, PBIT_STREAM_NOISE);
  a->key_common = pbit_rng_key(seed, PBIT_STREAM_COMMON);

  a->offset = malloc(n * sizeof(double));
  a->gain = malloc(n * sizeof(double));
  a->dwell = malloc(n * sizeof(double));
  a->stuck = malloc(n);
  a->input = calloc(n, sizeof(double));
  a->code = calloc(n, sizeof(int32_t));
  a->p = malloc(n * sizeof(double));
  a->rho = malloc(n * sizeof(double));
  a->nl = malloc(n * sizeof(double));
  a->stale = calloc(n, 1);
  a->rate = malloc(n * sizeof(uint64_t));
  a->thr0 = malloc(n * sizeof(uint32_t));
  a->thr1 = malloc(n * sizeof(uint32_t));
  a->s = malloc(n);
  a->prev = malloc(n);
  a->last = calloc(n, sizeof(uint64_t));
  a->last_read = malloc(n * sizeof(uint64_t));
  if (!a->offset || !a->gain || !a->dwell || !a->stuck || !a->input || !a->code || !a->p ||
      !a->rho || !a->nl || !a->stale || !a->rate || !a->thr0 || !a->thr1 || !a->s || !a->prev ||
      !a->last || !a->last_read) {
    free_all(a);
    return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory for %zu p-bits", n);
  }

  /* Device-to-device variation and faults, fixed for the array's life. */
  uint64_t kv = pbit_rng_key(seed, PBIT_STREAM_VARIATION);
  uint64_t kf = pbit_rng_key(seed, PBIT_STREAM_FAULT);
  double dwell0 = pbit_device_dwell_ns(dev);
  for (size_t i = 0; i < n; i++) {
    uint32_t ix = (uint32_t)i;
    a->offset[i] = dev->sigma_offset > 0.0 ? dev->sigma_offset * pbit_rng_normal(kv, ix, 0) : 0.0;
    double g = dev->sigma_gain > 0.0 ? 1.0 + dev->sigma_gain * pbit_rng_normal(kv, ix, 1) : 1.0;
    a->gain[i] = g < 1e-3 ? 1e-3 : g;
    a->dwell[i] = dev->sigma_log_tau > 0.0
                      ? dwell0 * exp(dev->sigma_log_tau * pbit_rng_normal(kv, ix, 2))
                      : dwell0;
    a->stuck[i] = -1;
    if (dev->stuck_at_0 > 0.0 || dev->stuck_at_1 > 0.0) {
      double u = pbit_rng_uniform(kf, ix, 0);
      if (u < dev->stuck_at_0)
        a->stuck[i] = 0;
      else if (u < dev->stuck_at_0 + dev->stuck_at_1)
        a->stuck[i] = 1;
    }
    a->last_read[i] = UINT64_MAX;
    update_law(a, i);
  }
  pbit_array_equilibrate(a);
  *out = a;
  return PBIT_OK;
}

void pbit_array_destroy(pbit_array_t *a) {
  if (a != NULL) free_all(a);
}

size_t pbit_array_size(const pbit_array_t *a) { return a ? a->n : 0; }
uint64_t pbit_array_now(const pbit_array_t *a) { return a ? a->now : 0; }
const pbit_device_t *pbit_array_device(const pbit_array_t *a) { return a ? &a->dev : NULL; }

int pbit_array_set_threads(pbit_array_t *a, int threads) {
  if (a == NULL || threads < 1 || threads > 1024)
    return pbit_error_set(NULL, PBIT_ERR_ARG, NULL, 0, 0, "bad thread count");
  a->threads = threads;
  return PBIT_OK;
}

static int check_range(const pbit_array_t *a, size_t first, size_t count, const void *buf) {
  if (a == NULL || (buf == NULL && count > 0)) return PBIT_ERR_ARG;
  if (first > a->n || count > a->n - first) return PBIT_ERR_ARG;
  return PBIT_OK;
}

/* New effective input for p-bit i: settle the old law up to now first. */
static void apply_input(pbit_array_t *a, size_t i, double input, int32_t code) {
  if (input == a->input[i] && code == a->code[i]) return;
  a->cnt.dac_writes++;
  resolve(a, i, a->now);
  a->input[i] = input;
  a->code[i] = code;
  update_law(a, i);
}

int pbit_array_set_inputs(pbit_array_t *a, size_t first, size_t count, const double *inputs) {
  if (check_range(a, first, count, inputs) != PBIT_OK) return PBIT_ERR_ARG;
  for (size_t j = 0; j < count; j++)
    if (!isfinite(inputs[j])) return PBIT_ERR_ARG; /* nothing changed yet */
  for (size_t j = 0; j < count; j++) {
    double v = inputs[j];
    int32_t code = 0;
    if (a->dev.dac_bits > 0) {
      double c = nearbyint(v / a->lsb);
      if (c < a->code_min) c = a->code_min;
      if (c > a->code_max) c = a->code_max;
      code = (int32_t)c;
      v = code * a->lsb;
    }
    apply_input(a, first + j, v, code);
  }
  return PBIT_OK;
}

int pbit_array_set_input_all(pbit_array_t *a, double input) {
  if (a == NULL || !isfinite(input)) return PBIT_ERR_ARG;
  for (size_t i = 0; i < a->n; i++) {
    int rc = pbit_array_set_inputs(a, i, 1, &input);
    if (rc != PBIT_OK) return rc;
  }
  return PBIT_OK;
}

int pbit_array_set_codes(pbit_array_t *a, size_t first, size_t count, const int32_t *codes) {
  if (check_range(a, first, count, codes) != PBIT_OK || a->dev.dac_bits <= 0) return PBIT_ERR_ARG;
  for (size_t j = 0; j < count; j++)
    if (codes[j] < a->code_min || codes[j] > a->code_max) return PBIT_ERR_ARG;
  for (size_t j = 0; j < count; j++) apply_input(a, first + j, codes[j] * a->lsb, codes[j]);
  return PBIT_OK;
}

int pbit_array_equilibrate(pbit_array_t *a) {
  if (a == NULL) return PBIT_ERR_ARG;
  uint64_t ck = pbit_rng_counter_key(a->key_init, a->now);
  for (size_t i = 0; i < a->n; i++) {
    uint32_t thr = pbit_rng_threshold(a->p[i]);
    a->s[i] = (uint8_t)pbit_rng_bernoulli(pbit_rng_u32_ck(ck, (uint32_t)i), thr);
    a->prev[i] = a->s[i];
    a->last[i] = a->now;
  }
  return PBIT_OK;
}

/* One cycle of every p-bit with fresh noise (noisy devices only). */
static void step_noisy(pbit_array_t *a) {
  uint64_t c = a->now + 1;
  double common =
      a->dev.sigma_common > 0.0 ? a->dev.sigma_common * pbit_rng_normal(a->key_common, 0, c) : 0.0;
  uint64_t ck = pbit_rng_counter_key(a->key_tr, c);
  for (size_t i = 0; i < a->n; i++) {
    uint32_t ix = (uint32_t)i;
    double noise =
        a->dev.sigma_input > 0.0 ? a->dev.sigma_input * pbit_rng_normal(a->key_noise, ix, c) : 0.0;
    double p, nl;
    uint64_t rate;
    law(a, i, a->input[i] + noise + common, &p, &nl, &rate);
    double rho = exp(-nl);
    uint32_t thr = pbit_rng_threshold(trans_prob(p, rho, a->s[i]));
    a->s[i] = (uint8_t)pbit_rng_bernoulli(pbit_rng_u32_ck(ck, ix), thr);
    a->expected_fx += rate;
    a->last[i] = c;
  }
  a->now = c;
}

int pbit_array_advance(pbit_array_t *a, uint64_t cycles) {
  if (a == NULL) return PBIT_ERR_ARG;
  if (UINT64_MAX - a->now < cycles) return PBIT_ERR_ARG;
  if (a->noisy) {
    for (uint64_t t = 0; t < cycles; t++) step_noisy(a);
  } else {
    a->now += cycles; /* lazy: p-bits catch up when read or driven */
  }
  return PBIT_OK;
}

int pbit_array_read(pbit_array_t *a, size_t first, size_t count, uint8_t *states) {
  if (check_range(a, first, count, states) != PBIT_OK) return PBIT_ERR_ARG;
  uint64_t ck = pbit_rng_counter_key(a->key_tr, a->now);
  for (size_t j = 0; j < count; j++) {
    size_t i = first + j;
    resolve_ck(a, i, a->now, ck);
    note_read(a, i);
    states[j] = a->s[i];
  }
  return PBIT_OK;
}

/* The hot loop: cycles now+1 .. now+m for p-bits [lo, hi), every p-bit
 * known and read at cycle now. Integer-only so that it vectorises. */
static uint64_t run_block(const pbit_array_t *a, size_t lo, size_t hi, uint64_t m, uint8_t *trace,
                          size_t stride) {
  uint8_t *restrict s = a->s;
  const uint32_t *restrict t0 = a->thr0;
  const uint32_t *restrict t1 = a->thr1;
  uint64_t flips = 0;
  for (uint64_t t = 1; t <= m; t++) {
    uint64_t ck = pbit_rng_counter_key(a->key_tr, a->now + t);
    uint32_t klo = (uint32_t)ck;
    uint32_t khi = (uint32_t)(ck >> 32);
    uint32_t f = 0;
    for (size_t i = lo; i < hi; i++) {
      uint32_t x = pbit_rng_mix32((uint32_t)i ^ klo);
      uint32_t u = pbit_rng_mix32(x + khi);
      uint32_t so = s[i];
      uint32_t thr = so ? t1[i] : t0[i];
      uint32_t sn = (u >> 1) < thr;
      f += so ^ sn;
      s[i] = (uint8_t)sn;
    }
    flips += f;
    if (trace != NULL) memcpy(trace + (t - 1) * stride + lo, s + lo, hi - lo);
  }
  return flips;
}

int pbit_array_run(pbit_array_t *a, uint64_t cycles, uint8_t *trace, size_t stride) {
  if (a == NULL || (trace != NULL && stride < a->n)) return PBIT_ERR_ARG;
  if (cycles == 0) return PBIT_OK;
  if (UINT64_MAX - a->now < cycles) return PBIT_ERR_ARG;
  /* First cycle through the general path: p-bits may be behind or unread. */
  pbit_array_advance(a, 1);
  for (size_t i = 0; i < a->n; i++) {
    resolve(a, i, a->now);
    note_read(a, i);
    if (trace != NULL) trace[i] = a->s[i];
  }
  uint64_t m = cycles - 1;
  if (m == 0) return PBIT_OK;
  if (a->noisy) {
    for (uint64_t t = 1; t <= m; t++) {
      step_noisy(a);
      for (size_t i = 0; i < a->n; i++) {
        note_read(a, i);
        if (trace != NULL) trace[t * stride + i] = a->s[i];
      }
    }
    return PBIT_OK;
  }
  for (size_t i = 0; i < a->n; i++) fresh(a, i);
  uint8_t *rows = trace != NULL ? trace + stride : NULL;
  size_t nblocks = (a->n + PBIT_BLOCK - 1) / PBIT_BLOCK;
  uint64_t flips = 0;
#pragma omp parallel for num_threads(a->threads) schedule(static) reduction(+ : flips) if (a->threads > 1)
  for (size_t b = 0; b < nblocks; b++) {
    size_t lo = b * PBIT_BLOCK;
    size_t hi = lo + PBIT_BLOCK < a->n ? lo + PBIT_BLOCK : a->n;
    flips += run_block(a, lo, hi, m, rows, stride);
  }
  a->now += m;
  unsigned __int128 rate_sum = 0;
  for (size_t i = 0; i < a->n; i++) {
    rate_sum += a->rate[i];
    a->prev[i] = a->s[i];
    a->last[i] = a->now;
    a->last_read[i] = a->now;
  }
  a->cnt.flips += flips;
  a->cnt.samples += (uint64_t)a->n * m;
  a->expected_fx += rate_sum * m;
  return PBIT_OK;
}

void pbit_array_counters(const pbit_array_t *a, pbit_counters_t *out) {
  if (out == NULL) return;
  memset(out, 0, sizeof(*out));
  if (a == NULL) return;
  *out = a->cnt;
  out->cycles = a->now;
  out->pbit_cycles = (uint64_t)a->n * a->now;
  unsigned __int128 fx = a->expected_fx;
  for (size_t i = 0; i < a->n; i++) fx += (unsigned __int128)a->rate[i] * (a->now - a->last[i]);
  out->expected_flips = (double)fx * 0x1p-32;
}

int pbit_array_unit(const pbit_array_t *a, size_t i, pbit_unit_t *out) {
  if (a == NULL || out == NULL || i >= a->n) return PBIT_ERR_ARG;
  out->offset = a->offset[i];
  out->gain = a->gain[i];
  out->dwell_ns = a->dwell[i];
  out->stuck = (int)a->stuck[i]; /* -1, 0 or 1: a signed value by design */
  return PBIT_OK;
}

double pbit_array_probability(const pbit_array_t *a, size_t i) {
  return (a != NULL && i < a->n) ? a->p[i] : NAN;
}

double pbit_array_rho(const pbit_array_t *a, size_t i) {
  return (a != NULL && i < a->n) ? exp(-a->nl[i]) : NAN; /* = rho once fresh */
}

/* ---- state (array.h) */

#define ARRAY_STATE_MAGIC UINT64_C(0x3154534152524150) /* "PBARRST1" */

/* What a state belongs to: everything the array was built from that the
 * dynamic state does not hold. */
typedef struct {
  uint64_t magic, n, dt_bits, key_tr, build;
  char device[64];
} array_fp_t;

static void array_fp(const pbit_array_t *a, array_fp_t *fp) {
  memset(fp, 0, sizeof *fp);
  fp->magic = ARRAY_STATE_MAGIC;
  fp->n = a->n;
  memcpy(&fp->dt_bits, &a->dt_ns, sizeof fp->dt_bits);
  fp->key_tr = a->key_tr;
  snprintf(fp->device, sizeof fp->device, "%s", a->dev.name);
  uint64_t h = PBIT_STATE_HASH_INIT;
  h = pbit_state_hash(h, a->offset, a->n * sizeof *a->offset);
  h = pbit_state_hash(h, a->gain, a->n * sizeof *a->gain);
  h = pbit_state_hash(h, a->dwell, a->n * sizeof *a->dwell);
  h = pbit_state_hash(h, a->stuck, a->n);
  h = pbit_state_hash_f64(h, a->beta_eff);
  h = pbit_state_hash_f64(h, a->lsb);
  h = pbit_state_hash_f64(h, a->dev.sigma_input);
  h = pbit_state_hash_f64(h, a->dev.sigma_common);
  h = pbit_state_hash_u64(h, (uint64_t)(int64_t)a->code_min);
  h = pbit_state_hash_u64(h, (uint64_t)(int64_t)a->code_max);
  h = pbit_state_hash_u64(h, (uint64_t)a->noisy);
  h = pbit_state_hash_u64(h, (uint64_t)a->dev.rate_model);
  h = pbit_state_hash_u64(h, a->key_noise);
  fp->build = pbit_state_hash_u64(h, a->key_common);
}

static void array_state_write(const pbit_array_t *a, pbit_state_writer_t *w) {
  array_fp_t fp;
  array_fp(a, &fp);
  pbit_state_put(w, &fp, sizeof fp);
  pbit_state_put_u64(w, a->now);
  pbit_state_put_u64(w, a->cnt.samples);
  pbit_state_put_u64(w, a->cnt.flips);
  pbit_state_put_u64(w, a->cnt.dac_writes);
  pbit_state_put_u64(w, (uint64_t)(a->expected_fx >> 64));
  pbit_state_put_u64(w, (uint64_t)a->expected_fx);
  pbit_state_put(w, a->input, a->n * sizeof *a->input);
  pbit_state_put(w, a->code, a->n * sizeof *a->code);
  pbit_state_put(w, a->s, a->n);
  pbit_state_put(w, a->prev, a->n);
  pbit_state_put(w, a->last, a->n * sizeof *a->last);
  pbit_state_put(w, a->last_read, a->n * sizeof *a->last_read);
}

size_t pbit_array_state_size(const pbit_array_t *a) {
  if (a == NULL) return 0;
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, NULL, 0);
  array_state_write(a, &w);
  return w.pos;
}

int pbit_array_state_save(const pbit_array_t *a, void *buf, size_t len, pbit_error_t *err) {
  if (a == NULL || buf == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "p-bit array state: NULL argument");
  size_t need = pbit_array_state_size(a);
  if (len < need)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "p-bit array state: buffer of %zu bytes, need %zu", len, need);
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, buf, len);
  array_state_write(a, &w);
  return PBIT_OK;
}

int pbit_array_state_restore(pbit_array_t *a, const void *buf, size_t len, pbit_error_t *err) {
  if (a == NULL || buf == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "p-bit array state: NULL argument");
  pbit_state_reader_t r;
  pbit_state_reader_init(&r, buf, len);
  array_fp_t want, got;
  array_fp(a, &want);
  pbit_state_get(&r, &got, sizeof got);
  got.device[sizeof got.device - 1] = '\0';
  if (!r.ok || got.magic != ARRAY_STATE_MAGIC)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "not a p-bit array state");
  if (got.n != want.n)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "p-bit array state of %llu p-bits, this array has %llu",
                          (unsigned long long)got.n, (unsigned long long)want.n);
  if (got.dt_bits != want.dt_bits)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "p-bit array state saved with another clock period (dt_ns)");
  if (strcmp(got.device, want.device) != 0)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "p-bit array state saved for device '%s', this array is '%s'", got.device,
                          want.device);
  if (got.key_tr != want.key_tr)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "p-bit array state saved with another seed");
  if (got.build != want.build)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "p-bit array state saved for other parameters of device '%s'",
                          want.device);
  size_t need = pbit_array_state_size(a);
  if (len != need)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0,
                          "p-bit array state is %zu bytes, expected %zu", len, need);
  /* The length is right: every read below succeeds. Validate what would
   * break invariants before changing anything. */
  size_t n = a->n;
  size_t off_s = r.pos + 6 * sizeof(uint64_t) + n * (sizeof(double) + sizeof(int32_t));
  const uint8_t *bytes = (const uint8_t *)buf;
  for (size_t i = 0; i < 2 * n; i++)
    if (bytes[off_s + i] > 1)
      return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "p-bit array state: bad p-bit state");
  a->now = pbit_state_get_u64(&r);
  a->cnt.samples = pbit_state_get_u64(&r);
  a->cnt.flips = pbit_state_get_u64(&r);
  a->cnt.dac_writes = pbit_state_get_u64(&r);
  uint64_t hi = pbit_state_get_u64(&r), lo = pbit_state_get_u64(&r);
  a->expected_fx = ((unsigned __int128)hi << 64) | lo;
  pbit_state_get(&r, a->input, n * sizeof *a->input);
  pbit_state_get(&r, a->code, n * sizeof *a->code);
  pbit_state_get(&r, a->s, n);
  pbit_state_get(&r, a->prev, n);
  pbit_state_get(&r, a->last, n * sizeof *a->last);
  pbit_state_get(&r, a->last_read, n * sizeof *a->last_read);
  for (size_t i = 0; i < n; i++) update_law(a, i); /* p, nl, rate; rho and thresholds stale */
  return PBIT_OK;
}
