/* make bench: p-bit updates per second of the array model, measured side by
 * side with a plain reference kernel (per-update expf sigmoid and a scalar
 * xorshift RNG) on the same device, sizes and machine, in one run. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "array.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The device of the benchmark: a fast sMTJ with variation on. */
static pbit_device_t bench_device(void) {
  pbit_device_t d;
  pbit_device_ideal(&d);
  d.dwell_ns = 2.0;
  d.rate_model = PBIT_RATE_BIAS_DEPENDENT;
  d.sigma_offset = 0.1;
  d.sigma_gain = 0.05;
  d.sigma_log_tau = 0.3;
  return d;
}

/* Best of `reps` timings of `cycles` cycles of the model; returns updates/s. */
static double time_model(size_t n, uint64_t cycles, int threads, int reps) {
  pbit_device_t d = bench_device();
  pbit_array_t *a = NULL;
  if (pbit_array_create(&d, n, 1.0, 1, &a, NULL) != PBIT_OK) return 0.0;
  pbit_array_set_threads(a, threads);
  pbit_array_set_input_all(a, 0.5);
  pbit_array_run(a, 2, NULL, 0); /* warm up */
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now_s();
    pbit_array_run(a, cycles, NULL, 0);
    double dt = now_s() - t0;
    if (dt < best) best = dt;
  }
  pbit_counters_t c;
  pbit_array_counters(a, &c);
  pbit_array_destroy(a);
  if (c.flips == 0) return 0.0; /* keeps the work observable */
  return (double)n * (double)cycles / best;
}

/* The plain kernel: what a direct implementation of the same model does. */
static double time_reference(size_t n, uint64_t cycles, int reps) {
  pbit_device_t d = bench_device();
  float *off = malloc(n * sizeof(float)), *gain = malloc(n * sizeof(float));
  float *dwell = malloc(n * sizeof(float)), *rho = malloc(n * sizeof(float));
  uint8_t *s = calloc(n, 1);
  if (!off || !gain || !dwell || !rho || !s) {
    free(off);
    free(gain);
    free(dwell);
    free(rho);
    free(s);
    return 0.0;
  }
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < n; i++) {
    off[i] = (float)(d.sigma_offset * ((double)(i % 7) - 3.0) / 3.0);
    gain[i] = 1.0f + (float)(d.sigma_gain * ((double)(i % 5) - 2.0) / 2.0);
    dwell[i] = (float)(d.dwell_ns * exp(d.sigma_log_tau * ((double)(i % 3) - 1.0)));
  }
  const float input = 0.5f, dt = 1.0f;
  /* Fair to the plain kernel: the input is constant, so rho is hoisted. */
  for (size_t i = 0; i < n; i++) {
    float z = input * gain[i] + off[i];
    rho[i] = expf(-dt / (dwell[i] / (2.0f * coshf(0.5f * z))));
  }
  uint64_t flips = 0;
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now_s();
    for (uint64_t t = 0; t < cycles; t++) {
      for (size_t i = 0; i < n; i++) {
        float z = input * gain[i] + off[i];
        float p = 1.0f / (1.0f + expf(-z));
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        float u = (float)(x >> 40) * 0x1p-24f;
        uint8_t sn = u < p + ((float)s[i] - p) * rho[i];
        flips += sn != s[i];
        s[i] = sn;
      }
    }
    double el = now_s() - t0;
    if (el < best) best = el;
  }
  free(off);
  free(gain);
  free(dwell);
  free(rho);
  free(s);
  if (flips == 0) return 0.0;
  return (double)n * (double)cycles / best;
}

int main(void) {
  static const size_t sizes[] = {1000, 100000, 1000000};
  printf("p-bit array: updates per second on one core (device: sMTJ, dwell 2 ns,\n"
         "bias-dependent rate, variation on; dt 1 ns; best of 3)\n\n");
  printf("%10s %14s %10s %14s %10s %8s %14s\n", "p-bits", "model upd/s", "ns/upd",
         "plain upd/s", "ns/upd", "ratio", "model 2 thr");
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t n = sizes[k];
    uint64_t cycles = (uint64_t)(4e8 / (double)n);
    uint64_t ref_cycles = cycles / 8 > 0 ? cycles / 8 : 1;
    double m = time_model(n, cycles, 1, 3);
    double m2 = time_model(n, cycles, 2, 3);
    double r = time_reference(n, ref_cycles, 3);
    printf("%10zu %14.3e %10.3f %14.3e %10.3f %7.1fx %14.3e\n", n, m, 1e9 / m, r, 1e9 / r,
           m / r, m2);
  }
  printf("\ntargets: >= 1e9 updates/s per core and >= 3x the plain kernel\n");
  return 0;
}
