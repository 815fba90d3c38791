// Co-simulation through the firmware HAL: the same firmware (firmware/layer.c)
// on the `model` and `rtl` backends with the same seed must give
// bit-identical p-bit states, counts, accumulators, DAC codes, weights after
// the update, every datapath counter, every p-bit counter and the clock.
// Plus: the p-bit states seen through the RTL backend follow sigmoid of the
// DAC input (ideal device).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "array.h"
#include "hal_common.h"

namespace {

using haltest::Layer;
using haltest::Result;

struct Geometry {
  uint32_t n_in, n_out, copies, samples;
  double density;
};

class CosimTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(CosimTest, ModelAndRtlAreBitIdentical) {
  const std::string accel = std::get<0>(GetParam()), device = std::get<1>(GetParam());
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel(accel, &p)) << accel;
  ASSERT_TRUE(haltest::LoadDevice(device, &dev)) << device;
  static const Geometry kTiny[] = {
      {1, 1, 1, 8, 1.0}, {10, 7, 3, 40, 0.5}, {64, 16, 4, 64, 0.3}, {23, 5, 8, 16, 0.9}};
  static const Geometry kSmall[] = {
      {40, 50, 3, 32, 0.4}, {100, 17, 2, 48, 0.2}, {300, 130, 1, 8, 0.05}};
  const bool tiny = accel == "tiny";
  const std::vector<Geometry> geoms(tiny ? std::begin(kTiny) : std::begin(kSmall),
                                    tiny ? std::end(kTiny) : std::end(kSmall));
  double lsb = 8.0 / (1 << (p.dac_bits - 1));
  std::mt19937_64 rng(std::hash<std::string>{}(accel + device));
  int compared = 0;
  uint64_t ones = 0;
  for (const Geometry &g : geoms) {
    Layer l = haltest::RandomLayer(p, g.n_in, g.n_out, g.copies, g.samples, rng);
    std::vector<std::vector<uint8_t>> xs;
    std::vector<std::vector<int32_t>> ds;
    for (int s = 0; s < 3; s++) {
      xs.push_back(haltest::RandomInput(g.n_in, g.density, rng));
      ds.push_back(haltest::RandomDelta(p, g.n_out, rng));
    }
    uint64_t seed = rng();
    Result m, r;
    ASSERT_EQ(haltest::Run("model", p, dev, seed, lsb, l, xs, ds, &m), "");
    ASSERT_EQ(haltest::Run("rtl", p, dev, seed, lsb, l, xs, ds, &r), "");
    SCOPED_TRACE("n_in " + std::to_string(g.n_in) + " n_out " + std::to_string(g.n_out));
    EXPECT_EQ(m.acc, r.acc);
    EXPECT_EQ(m.dac, r.dac);
    EXPECT_EQ(m.codes, r.codes);
    EXPECT_EQ(m.dac,
              m.codes);  // the p-bits are driven by what the DAC window shows
    EXPECT_EQ(m.counts, r.counts);
    EXPECT_EQ(m.states, r.states);
    EXPECT_EQ(m.w, r.w);
    EXPECT_EQ(m.b, r.b);
    EXPECT_EQ(m.fwd_cycles, r.fwd_cycles);
    EXPECT_EQ(m.upd_cycles, r.upd_cycles);
    EXPECT_EQ(m.dp_counters, r.dp_counters);
    EXPECT_EQ(m.pc.samples, r.pc.samples);
    EXPECT_EQ(m.pc.flips, r.pc.flips);
    EXPECT_EQ(m.pc.dac_writes, r.pc.dac_writes);
    EXPECT_EQ(m.pc.pbit_cycles, r.pc.pbit_cycles);
    EXPECT_EQ(m.pc.cycles, r.pc.cycles);
    EXPECT_EQ(m.pc.dac_chunks, r.pc.dac_chunks);
    EXPECT_EQ(m.now, r.now);
    EXPECT_EQ(m.pc.cycles, m.now);
    for (uint8_t v : m.states) ones += v;
    EXPECT_GT(m.pc.dac_chunks, 0u);
    compared++;
  }
  EXPECT_EQ(compared, static_cast<int>(geoms.size()));
  EXPECT_GT(ones, 0u);  // not vacuous: some p-bits were seen at 1
}

INSTANTIATE_TEST_SUITE_P(Accels, CosimTest,
                         ::testing::Combine(::testing::Values("tiny", "small"),
                                            ::testing::Values("ideal", "smtj-fast", "smtj-slow")),
                         [](const auto &info) {
                           std::string n = std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           for (auto &c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// A long FIFO index list (several pieces) driven from firmware-level HAL
// calls, and the clock convention: an operation costs its register accesses
// plus exactly `cycles` clocks on both backends.
TEST(CosimHal, FifoListAndClockAgree) {
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("smtj-fast", &dev));
  std::mt19937_64 rng(7);
  Layer l = haltest::RandomLayer(p, 30, 13, 2, 20, rng);
  std::vector<uint32_t> idx;
  for (int k = 0; k < 11; k++) idx.push_back(static_cast<uint32_t>(rng() % l.n_in));
  std::vector<uint64_t> now[2];
  std::vector<uint32_t> counts[2];
  const char *names[2] = {"model", "rtl"};
  for (int b = 0; b < 2; b++) {
    pbit_hal_config_t cfg{};
    cfg.backend = names[b];
    cfg.accel = p;
    cfg.device = dev;
    cfg.max_copies = 2;
    cfg.input_lsb = 0.2;
    cfg.seed = 99;
    pbit_hal_t *h = nullptr;
    pbit_error_t err;
    ASSERT_EQ(pbit_hal_open(&cfg, &h, &err), PBIT_OK) << err.msg;
    EXPECT_STREQ(pbit_hal_backend(h), names[b]);
    pbit_fw_layer_t lv = l.View();
    ASSERT_EQ(pbit_fw_layer_load(h, &lv), PBIT_HAL_OK) << pbit_hal_error(h);
    ASSERT_EQ(pbit_hal_clear_counters(h), PBIT_HAL_OK);
    uint64_t t0 = pbit_hal_now(h);
    ASSERT_EQ(
        pbit_hal_run_list(h, PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, idx.data(), idx.size()),
        PBIT_HAL_OK)
        << pbit_hal_error(h);
    uint64_t t1 = pbit_hal_now(h);
    uint64_t c[PBIT_DP_NUM_COUNTERS];
    ASSERT_EQ(pbit_hal_counters(h, c), PBIT_HAL_OK);
    // Pieces of FIFO_DEPTH: pushes + START + ERR check per piece, plus busy
    // cycles.
    uint64_t pieces = (idx.size() + p.fifo_depth - 1) / p.fifo_depth;
    EXPECT_EQ(t1 - t0, idx.size() + 2 * pieces + c[PBIT_DP_CNT_CYCLES]);
    now[b] = {t0, t1, pbit_hal_now(h)};
    counts[b].resize(l.n_out);
    ASSERT_EQ(pbit_hal_pbit_sample(h, l.n_out, 50, counts[b].data(), nullptr), PBIT_HAL_OK);
    now[b].push_back(pbit_hal_now(h));
    EXPECT_EQ(now[b][3] - now[b][2], 50u);
    pbit_hal_close(h);
  }
  EXPECT_EQ(now[0], now[1]);
  EXPECT_EQ(counts[0], counts[1]);
}

// One presentation of a random input to a random 48 x 16 layer with K
// copies on the rtl backend (`tiny`), T cycles of p-bit samples: the DAC
// codes, counts and per-cycle states.
struct RtlSamples {
  Layer l;
  std::vector<int32_t> dac;
  std::vector<uint32_t> counts;
  std::vector<uint8_t> states;
};

void SampleOnRtl(const pbit_dp_params_t &p, const pbit_device_t &dev, uint32_t K, uint32_t T,
                 double lsb, uint64_t seed, std::mt19937_64 &rng, RtlSamples *out) {
  out->l = haltest::RandomLayer(p, 48, 16, K, T, rng);
  const Layer &l = out->l;
  pbit_hal_config_t cfg{};
  cfg.backend = "rtl";
  cfg.accel = p;
  cfg.device = dev;
  cfg.max_copies = K;
  cfg.input_lsb = lsb;
  cfg.seed = seed;
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  ASSERT_EQ(pbit_hal_open(&cfg, &h, &err), PBIT_OK) << err.msg;
  pbit_fw_layer_t lv = l.View();
  ASSERT_EQ(pbit_fw_layer_load(h, &lv), PBIT_HAL_OK) << pbit_hal_error(h);
  out->dac.assign(l.n_out, 0);
  out->counts.assign(l.n_out, 0);
  out->states.assign(static_cast<size_t>(T) * l.n_out * K, 0);
  pbit_fw_step_out_t o{};
  o.dac = out->dac.data();
  o.counts = out->counts.data();
  o.states = out->states.data();
  auto x = haltest::RandomInput(l.n_in, 0.5, rng);
  ASSERT_EQ(pbit_fw_layer_step(h, &lv, x.data(), nullptr, &o), PBIT_HAL_OK) << pbit_hal_error(h);
  pbit_hal_close(h);
}

// The RTL backend's p-bits are Bernoulli(sigmoid(input)): ideal device
// (memoryless, unipolar, beta 1), K copies x T cycles per unit.
TEST(CosimHal, RtlPbitMeanFollowsSigmoidOfDacInput) {
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("ideal", &dev));
  std::mt19937_64 rng(11);
  const uint32_t K = 4, T = 3000;
  const double lsb = 0.15;
  RtlSamples r;
  ASSERT_NO_FATAL_FAILURE(SampleOnRtl(p, dev, K, T, lsb, 2024, rng, &r));
  const Layer &l = r.l;
  const std::vector<int32_t> &dac = r.dac;
  const std::vector<uint32_t> &counts = r.counts;
  const std::vector<uint8_t> &states = r.states;
  int distinct = 0, worst_unit = -1;
  double worst = 0;
  for (uint32_t j = 0; j < l.n_out; j++) {
    double mean = 0, var = 0;
    for (uint32_t k = 0; k < K; k++) {
      double q = 1.0 / (1.0 + std::exp(-(dac[j] + l.offsets[k]) * lsb));
      mean += q / K;
      var += q * (1 - q) * T;
    }
    double se = std::sqrt(var) / (K * T) + 1e-12;
    double got = static_cast<double>(counts[j]) / (K * T);
    // Counts are the sum of the per-cycle states.
    uint64_t sum = 0;
    for (uint32_t t = 0; t < T; t++)
      for (uint32_t k = 0; k < K; k++)
        sum += states[(static_cast<size_t>(t) * l.n_out + j) * K + k];
    EXPECT_EQ(sum, counts[j]);
    double z = std::fabs(got - mean) / se;
    if (z > worst) worst = z, worst_unit = static_cast<int>(j);
    EXPECT_LT(z, 5.0) << "unit " << j << " code " << dac[j] << " mean " << got << " expected "
                      << mean;
    if (mean > 0.02 && mean < 0.98) distinct++;
  }
  EXPECT_GE(distinct, 4) << "too few units away from saturation to test";
  std::printf(
      "[ cosim   ] RTL p-bit means vs sigmoid: %d informative units, "
      "worst %.2f SE (unit %d)\n",
      distinct, worst, worst_unit);
}

// ... and consecutive states are correlated as the flip rate says: the lag-1
// autocorrelation of every p-bit over T cycles against exp(-dt / tau_c(z)),
// tau_c from the device's rate model at that p-bit's input (smtj-fast
// without variation; dwell 8 ns on the 2 ns clock of `tiny`).
TEST(CosimHal, RtlPbitAutocorrelationFollowsFlipRate) {
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("smtj-fast", &dev));
  dev.sigma_offset = dev.sigma_gain = dev.sigma_log_tau = 0;
  dev.dwell_ns = 8.0;
  std::mt19937_64 rng(12);
  const uint32_t K = 2, T = 6000;
  const double lsb = 0.1;
  RtlSamples r;
  ASSERT_NO_FATAL_FAILURE(SampleOnRtl(p, dev, K, T, lsb, 77, rng, &r));
  const Layer &l = r.l;
  const std::vector<int32_t> &dac = r.dac;
  const std::vector<uint8_t> &states = r.states;
  const double beta = pbit_device_beta_eff(&dev), dt = p.clock_ns;
  const uint32_t skip = 50;  // the transient after the input change
  int informative = 0;
  double worst = 0, lo = 1, hi = 0;
  for (uint32_t j = 0; j < l.n_out; j++) {
    for (uint32_t k = 0; k < K; k++) {
      double z = beta * (dac[j] + l.offsets[k]) * lsb;
      double q = 1.0 / (1.0 + std::exp(-z));
      if (q < 0.05 || q > 0.95) continue;  // too few flips to measure
      double rho = std::exp(-dt / pbit_correlation_time_ns(&dev, dev.dwell_ns, z));
      double m = 0;
      const size_t n = T - skip;
      auto s = [&](size_t t) { return static_cast<double>(states[(t * l.n_out + j) * K + k]); };
      for (size_t t = skip; t < T; t++) m += s(t);
      m /= n;
      double c0 = 0, c1 = 0;
      for (size_t t = skip; t < T; t++) c0 += (s(t) - m) * (s(t) - m);
      for (size_t t = skip; t + 1 < T; t++) c1 += (s(t) - m) * (s(t + 1) - m);
      double r = c1 / c0;
      // A two-state Markov chain with flip probabilities a = q (1 - rho)
      // from 0 and b = (1 - q)(1 - rho) from 1 has rho = 1 - a - b; the
      // estimate's variance is that of a-hat + b-hat (binomial, over the
      // about n (1 - q) and n q visits): (1 - rho^2) / n at q = 1/2, larger
      // for skewed p-bits.
      double a = q * (1 - rho), b = (1 - q) * (1 - rho);
      double se = std::sqrt((a * (1 - a) / (1 - q) + b * (1 - b) / q) / n);
      double zscore = std::fabs(r - rho) / se;
      worst = std::max(worst, zscore);
      lo = std::min(lo, rho);
      hi = std::max(hi, rho);
      EXPECT_LT(zscore, 5.0) << "unit " << j << " copy " << k << " z " << z << " r " << r
                             << " expected " << rho;
      informative++;
    }
  }
  EXPECT_GE(informative, 6);
  EXPECT_LT(lo, hi - 0.05) << "inputs too alike to test the rate model";
  std::printf(
      "[ cosim   ] RTL p-bit lag-1 autocorrelation vs exp(-dt/tau_c): %d p-bits, "
      "rho %.2f..%.2f, worst %.2f SE\n",
      informative, lo, hi, worst);
}

}  // namespace
