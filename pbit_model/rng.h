/* Counter-based random numbers for the p-bit model.
 *
 * Every draw is a pure function of (seed, stream, index, counter): there is
 * no generator state to advance. Any backend, thread split or evaluation
 * order that asks the same question gets the same answer, which is what
 * makes runs reproducible from the seed alone (pbit-device-model section 9).
 *
 * Construction: the 64-bit seed and a stream number are hashed into a key;
 * the counter (usually the clock cycle) is hashed into a per-counter key;
 * the 32-bit index (usually the p-bit number) goes through two rounds of a
 * 32-bit bijective mixer keyed by the two halves of that per-counter key.
 * For a fixed counter the map index -> draw is a bijection, and the inner
 * loop over p-bits is 32-bit integer arithmetic that vectorises. */
#ifndef PBIT_RNG_H
#define PBIT_RNG_H

#include <math.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Independent purposes get independent streams. */
typedef enum {
  PBIT_STREAM_TRANSITION = 1, /* telegraph transitions, one per p-bit read */
  PBIT_STREAM_INIT = 2,       /* stationary initial states */
  PBIT_STREAM_NOISE = 3,      /* per-p-bit, per-cycle input noise */
  PBIT_STREAM_COMMON = 4,     /* common-mode noise, one per cycle */
  PBIT_STREAM_VARIATION = 5,  /* device-to-device variation (build time) */
  PBIT_STREAM_FAULT = 6,      /* stuck-at fault map (build time) */
  PBIT_STREAM_GIBBS = 7,      /* chromatic Gibbs sampler */
  PBIT_STREAM_USER = 64,      /* first stream free for callers */
} pbit_stream_t;

/* splitmix64 finaliser (Steele, Lea, Flood 2014). */
static inline uint64_t pbit_rng_mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* 32-bit bijective mixer ("lowbias32", C. Wellons' hash prospector). */
static inline uint32_t pbit_rng_mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

/* Key of one stream of one seed. */
static inline uint64_t pbit_rng_key(uint64_t seed, uint32_t stream) {
  return pbit_rng_mix64(pbit_rng_mix64(seed) ^ (0xD1B54A32D192ED03ull * stream));
}

/* Key of one counter value (cycle) within a stream: hoist out of index loops. */
static inline uint64_t pbit_rng_counter_key(uint64_t key, uint64_t counter) {
  return pbit_rng_mix64(key ^ pbit_rng_mix64(counter ^ 0xA0761D6478BD642Full));
}

/* The draw for `index` under a counter key. */
static inline uint32_t pbit_rng_u32_ck(uint64_t ckey, uint32_t index) {
  uint32_t x = pbit_rng_mix32(index ^ (uint32_t)ckey);
  return pbit_rng_mix32(x + (uint32_t)(ckey >> 32));
}

static inline uint32_t pbit_rng_u32(uint64_t key, uint32_t index,
                                    uint64_t counter) {
  return pbit_rng_u32_ck(pbit_rng_counter_key(key, counter), index);
}

/* Uniform in the open interval (0, 1). */
static inline double pbit_rng_uniform(uint64_t key, uint32_t index,
                                      uint64_t counter) {
  return ((double)pbit_rng_u32(key, index, counter) + 0.5) * 0x1p-32;
}

/* Standard normal by Box-Muller from the draws at counters 2c and 2c+1. */
static inline double pbit_rng_normal(uint64_t key, uint32_t index,
                                     uint64_t counter) {
  double u1 = pbit_rng_uniform(key, index, 2 * counter);
  double u2 = pbit_rng_uniform(key, index, 2 * counter + 1);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Bernoulli draws without floating point in the hot loop. A probability
 * becomes a threshold in [0, 2^31]; a 32-bit draw u gives 1 when
 * (u >> 1) < threshold, so P(1) = threshold / 2^31 exactly, with 0 and 1
 * both exact (resolution 2^-31, rounding to nearest). */
#define PBIT_RNG_ONE 0x80000000u
static inline uint32_t pbit_rng_threshold(double p) {
  if (!(p > 0.0)) return 0u; /* also catches NaN */
  if (p >= 1.0) return PBIT_RNG_ONE;
  return (uint32_t)floor(p * 2147483648.0 + 0.5);
}
static inline uint32_t pbit_rng_bernoulli(uint32_t draw, uint32_t threshold) {
  return (draw >> 1) < threshold;
}

#ifdef __cplusplus
}
#endif

#endif /* PBIT_RNG_H */
