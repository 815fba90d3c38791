// Tests of the counter-based generator: uniformity, independence of
// neighbouring indices and counters, exact thresholds, bijection per counter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

extern "C" {
#include "rng.h"
}

namespace {

TEST(PbitRng, UniformMomentsWithinFiveSigma) {
  const uint64_t key = pbit_rng_key(1234, PBIT_STREAM_USER);
  const int n = 1 << 20;
  double s = 0, s2 = 0;
  for (int k = 0; k < n; k++) {
    double u = pbit_rng_uniform(key, static_cast<uint32_t>(k % 1024), k / 1024);
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    s += u;
    s2 += u * u;
  }
  double mean = s / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  // Var of (u - 1/2)^2 is 1/180 for a uniform.
  EXPECT_NEAR(var, 1.0 / 12, 5 * std::sqrt(1.0 / 180 / n));
}

TEST(PbitRng, BitsAreBalancedAndNeighboursUncorrelated) {
  const uint64_t key = pbit_rng_key(7, PBIT_STREAM_TRANSITION);
  const int n = 1 << 18;
  std::vector<double> ones(32, 0.0);
  double cross_index = 0, cross_counter = 0;
  for (int k = 0; k < n; k++) {
    uint32_t a = pbit_rng_u32(key, k, 5);
    uint32_t b = pbit_rng_u32(key, k + 1, 5);  // next p-bit, same cycle
    uint32_t c = pbit_rng_u32(key, k, 6);      // same p-bit, next cycle
    for (int bit = 0; bit < 32; bit++) ones[bit] += (a >> bit) & 1u;
    cross_index += ((a >> 31) ^ (b >> 31)) ? -1.0 : 1.0;
    cross_counter += ((a >> 31) ^ (c >> 31)) ? -1.0 : 1.0;
  }
  for (int bit = 0; bit < 32; bit++)
    EXPECT_NEAR(ones[bit] / n, 0.5, 5 * 0.5 / std::sqrt(n)) << "bit " << bit;
  EXPECT_NEAR(cross_index / n, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(cross_counter / n, 0.0, 5 / std::sqrt(n));
}

TEST(PbitRng, IndexMapIsABijectionForEachCounter) {
  const uint64_t ck = pbit_rng_counter_key(pbit_rng_key(3, PBIT_STREAM_INIT), 17);
  const uint32_t n = 1u << 20;
  std::vector<uint32_t> v(n);
  for (uint32_t i = 0; i < n; i++) v[i] = pbit_rng_u32_ck(ck, i);
  std::sort(v.begin(), v.end());
  EXPECT_EQ(std::adjacent_find(v.begin(), v.end()), v.end());
}

TEST(PbitRng, ThresholdsAreExactAtZeroAndOne) {
  EXPECT_EQ(pbit_rng_threshold(0.0), 0u);
  EXPECT_EQ(pbit_rng_threshold(-1.0), 0u);
  EXPECT_EQ(pbit_rng_threshold(NAN), 0u);
  EXPECT_EQ(pbit_rng_threshold(1.0), PBIT_RNG_ONE);
  EXPECT_EQ(pbit_rng_threshold(0.5), PBIT_RNG_ONE / 2);
  for (uint32_t u : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    EXPECT_EQ(pbit_rng_bernoulli(u, 0u), 0u);
    EXPECT_EQ(pbit_rng_bernoulli(u, PBIT_RNG_ONE), 1u);
  }
}

TEST(PbitRng, NormalMomentsWithinFiveSigma) {
  const uint64_t key = pbit_rng_key(99, PBIT_STREAM_NOISE);
  const int n = 1 << 19;
  double s = 0, s2 = 0;
  for (int k = 0; k < n; k++) {
    double x = pbit_rng_normal(key, static_cast<uint32_t>(k), 3);
    s += x;
    s2 += x * x;
  }
  EXPECT_NEAR(s / n, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(s2 / n, 1.0, 5 * std::sqrt(2.0 / n));
}

TEST(PbitRng, StreamsAndSeedsDiffer) {
  EXPECT_NE(pbit_rng_key(1, PBIT_STREAM_INIT), pbit_rng_key(1, PBIT_STREAM_NOISE));
  EXPECT_NE(pbit_rng_key(1, PBIT_STREAM_INIT), pbit_rng_key(2, PBIT_STREAM_INIT));
  EXPECT_EQ(pbit_rng_u32(pbit_rng_key(5, 9), 3, 4), pbit_rng_u32(pbit_rng_key(5, 9), 3, 4));
}

}  // namespace
