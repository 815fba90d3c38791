// Tests of the p-bit array model. Statistical checks use fixed seeds and
// tolerances of 5 standard errors derived from the sample size, against
// closed-form results (pbit-device-model.md sections 2-4).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "array.h"
#include "rng.h"
}

namespace {

constexpr double kSigmas = 5.0;

struct ArrayDeleter {
  void operator()(pbit_array_t *a) const { pbit_array_destroy(a); }
};
using ArrayPtr = std::unique_ptr<pbit_array_t, ArrayDeleter>;

pbit_device_t Ideal() {
  pbit_device_t d;
  pbit_device_ideal(&d);
  return d;
}

pbit_device_t Magnet(double dwell_ns, pbit_rate_model_t model) {
  pbit_device_t d = Ideal();
  d.dwell_ns = dwell_ns;
  d.rate_model = model;
  return d;
}

ArrayPtr Make(const pbit_device_t &d, size_t n, double dt, uint64_t seed) {
  pbit_array_t *a = nullptr;
  pbit_error_t err;
  EXPECT_EQ(pbit_array_create(&d, n, dt, seed, &a, &err), PBIT_OK) << err.msg;
  return ArrayPtr(a);
}

// Runs `cycles` cycles at nominal argument z from the stationary state and
// returns the trace (cycles x n).
std::vector<uint8_t> Trace(pbit_array_t *a, double z, uint64_t cycles) {
  size_t n = pbit_array_size(a);
  EXPECT_EQ(pbit_array_set_input_all(a, z / pbit_device_beta_eff(pbit_array_device(a))), PBIT_OK);
  EXPECT_EQ(pbit_array_equilibrate(a), PBIT_OK);
  std::vector<uint8_t> tr(cycles * n);
  EXPECT_EQ(pbit_array_run(a, cycles, tr.data(), n), PBIT_OK);
  return tr;
}

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

TEST(PbitArray, MeanFollowsSigmoidOverGrid) {
  const size_t n = 1000;
  const uint64_t cycles = 400;  // 4e5 independent samples per point
  for (int k = 0; k <= 24; k++) {
    double z = -6.0 + 0.5 * k;
    ArrayPtr a = Make(Ideal(), n, 1.0, 100 + k);
    auto tr = Trace(a.get(), z, cycles);
    double mean = 0;
    for (uint8_t s : tr) mean += s;
    double total = static_cast<double>(tr.size());
    mean /= total;
    double p = Sigmoid(z);
    double se = std::sqrt(p * (1 - p) / total);
    EXPECT_NEAR(mean, p, kSigmas * se) << "z=" << z << " seed=" << 100 + k;
  }
}

TEST(PbitArray, MeanOfSlowMagnetFollowsSigmoid) {
  // Correlated samples: each chain of C samples with lag correlation rho^k has
  // variance of its mean ~ p(1-p)/C * (1+rho)/(1-rho).
  const size_t n = 4000;
  const uint64_t cycles = 200;
  pbit_device_t d = Magnet(20.0, PBIT_RATE_BIAS_INDEPENDENT);  // tau_c 10 ns
  for (double z : {-3.0, 0.0, 2.0}) {
    ArrayPtr a = Make(d, n, 1.0, 7);
    auto tr = Trace(a.get(), z, cycles);
    double mean = 0;
    for (uint8_t s : tr) mean += s;
    mean /= static_cast<double>(tr.size());
    double p = Sigmoid(z), rho = std::exp(-1.0 / 10.0);
    double se = std::sqrt(p * (1 - p) / (n * cycles) * (1 + rho) / (1 - rho));
    EXPECT_NEAR(mean, p, kSigmas * se) << "z=" << z;
  }
}

// Pooled lag-1 autocorrelation with the known stationary mean p.
double Lag1(const std::vector<uint8_t> &tr, size_t n, uint64_t cycles, double p) {
  double acc = 0;
  for (uint64_t t = 0; t + 1 < cycles; t++)
    for (size_t i = 0; i < n; i++)
      acc += (tr[t * n + i] - p) * (tr[(t + 1) * n + i] - p);
  return acc / (static_cast<double>(n) * (cycles - 1) * p * (1 - p));
}

TEST(PbitArray, Lag1AutocorrelationMatchesPropagator) {
  // At z = 0 the products m_t m_{t+1} of the +-1 spins are independent
  // with mean rho, so the estimator's variance is exactly (1 - rho^2)/N.
  const size_t n = 2000;
  const uint64_t cycles = 500;
  for (pbit_rate_model_t model : {PBIT_RATE_BIAS_INDEPENDENT, PBIT_RATE_BIAS_DEPENDENT}) {
    for (double ratio : {0.01, 0.1, 0.5, 1.0, 3.0, 10.0}) {
      // tau_c(z=0) = dwell/2 in both models; dt = ratio * tau_c.
      pbit_device_t d = Magnet(2.0, model);
      double dt = ratio * 1.0;
      ArrayPtr a = Make(d, n, dt, 11);
      auto tr = Trace(a.get(), 0.0, cycles);
      double rho = std::exp(-ratio);
      double r = Lag1(tr, n, cycles, 0.5);
      double N = static_cast<double>(n) * (cycles - 1);
      EXPECT_NEAR(r, rho, kSigmas * std::sqrt((1 - rho * rho) / N))
          << "model=" << model << " dt/tau=" << ratio;
      EXPECT_DOUBLE_EQ(pbit_array_rho(a.get(), 0), rho);
    }
  }
}

TEST(PbitArray, BiasDependentRateDecorrelatesSaturatedPbits) {
  // Off zero input the two rate models differ: tau_c = dwell/(2 cosh(z/2))
  // vs dwell/2. Per-chain estimates over independent p-bits give the SE.
  const size_t n = 4000;
  const uint64_t cycles = 300;
  const double z = 3.0, dwell = 10.0, dt = 1.0;
  for (pbit_rate_model_t model : {PBIT_RATE_BIAS_INDEPENDENT, PBIT_RATE_BIAS_DEPENDENT}) {
    ArrayPtr a = Make(Magnet(dwell, model), n, dt, 5);
    auto tr = Trace(a.get(), z, cycles);
    double p = Sigmoid(z);
    double tau = model == PBIT_RATE_BIAS_DEPENDENT ? dwell / (2 * std::cosh(z / 2)) : dwell / 2;
    double rho = std::exp(-dt / tau);
    // Split the p-bits into 40 groups: independent estimates of r.
    const int groups = 40;
    std::vector<double> est;
    for (int g = 0; g < groups; g++) {
      double acc = 0, cnt = 0;
      for (size_t i = g; i < n; i += groups)
        for (uint64_t t = 0; t + 1 < cycles; t++) {
          acc += (tr[t * n + i] - p) * (tr[(t + 1) * n + i] - p);
          cnt += 1;
        }
      est.push_back(acc / (cnt * p * (1 - p)));
    }
    double m = 0, v = 0;
    for (double e : est) m += e;
    m /= groups;
    for (double e : est) v += (e - m) * (e - m);
    double se = std::sqrt(v / (groups - 1) / groups);
    EXPECT_NEAR(m, rho, kSigmas * se) << "model=" << model;
  }
}

TEST(PbitArray, DwellTimesAreGeometricAndMatchContinuousMean) {
  // With dt << tau_c the run lengths of 1s are geometric with stay
  // probability q = p + (1-p) rho, and dwell = L dt has mean ~ tau_c/(1-p).
  // Runs that start inside a window are unbiased samples of the run length
  // (Markov: the length does not depend on the start); they are followed past
  // the window until they end. Runs cut by the window's end would be biased
  // towards short ones, so the trace goes on for another 25 mean dwells.
  const size_t n = 1000;
  const uint64_t window = 8000, cycles = 16000;
  const double dwell = 20.0, dt = 0.1, z = 0.8;  // tau_c 10 ns, dt/tau 0.01
  ArrayPtr a = Make(Magnet(dwell, PBIT_RATE_BIAS_INDEPENDENT), n, dt, 3);
  auto tr = Trace(a.get(), z, cycles);
  std::vector<uint64_t> runs;
  for (size_t i = 0; i < n; i++) {
    for (uint64_t t = 1; t < window; t++) {
      if (!(tr[t * n + i] == 1 && tr[(t - 1) * n + i] == 0)) continue;  // a run of 1s starts
      uint64_t end = t;
      while (end < cycles && tr[end * n + i] == 1) end++;
      ASSERT_LT(end, cycles) << "run not finished: extend the trace";
      runs.push_back(end - t);
    }
  }
  ASSERT_GT(runs.size(), 10000u);
  double p = Sigmoid(z), tau = dwell / 2, rho = std::exp(-dt / tau);
  double q = p + (1 - p) * rho;
  std::sort(runs.begin(), runs.end());
  double nr = static_cast<double>(runs.size());
  double dmax = 0;
  for (size_t j = 0; j < runs.size(); j++) {
    if (j + 1 < runs.size() && runs[j + 1] == runs[j]) continue;
    double emp = (j + 1) / nr;
    double cdf = 1 - std::pow(q, static_cast<double>(runs[j]));
    dmax = std::max(dmax, std::fabs(emp - cdf));
  }
  // Kolmogorov: P(sqrt(n) D > 1.95) ~ 0.001 (conservative for discrete laws).
  EXPECT_LT(std::sqrt(nr) * dmax, 1.95) << "KS D=" << dmax << " runs=" << nr;
  double mean = 0;
  for (uint64_t r : runs) mean += r;
  mean = mean * dt / nr;
  double want = tau / (1 - p);  // continuous-time mean dwell in state 1
  // Exponential: SE of the mean = mean/sqrt(n); plus discretisation <= dt.
  EXPECT_NEAR(mean, want, kSigmas * want / std::sqrt(nr) + dt);
}

TEST(PbitArray, LazyAdvanceFollowsKStepLaw) {
  // P(s_k = 1 | s_0) = p + (s_0 - p) rho^k, with one draw at the read.
  const size_t n = 200000;
  const double z = -0.7, dwell = 8.0, dt = 1.0;
  const uint64_t k = 3;
  ArrayPtr a = Make(Magnet(dwell, PBIT_RATE_BIAS_INDEPENDENT), n, dt, 21);
  ASSERT_EQ(pbit_array_set_input_all(a.get(), z), PBIT_OK);
  ASSERT_EQ(pbit_array_equilibrate(a.get()), PBIT_OK);
  std::vector<uint8_t> s0(n), sk(n);
  ASSERT_EQ(pbit_array_read(a.get(), 0, n, s0.data()), PBIT_OK);
  ASSERT_EQ(pbit_array_advance(a.get(), k), PBIT_OK);
  ASSERT_EQ(pbit_array_read(a.get(), 0, n, sk.data()), PBIT_OK);
  double p = Sigmoid(z), rk = std::pow(std::exp(-dt / (dwell / 2)), k);
  for (int from : {0, 1}) {
    double hits = 0, cnt = 0;
    for (size_t i = 0; i < n; i++)
      if (s0[i] == from) {
        cnt++;
        hits += sk[i];
      }
    double want = p + (from - p) * rk;
    EXPECT_NEAR(hits / cnt, want, kSigmas * std::sqrt(want * (1 - want) / cnt)) << "from " << from;
  }
}

TEST(PbitArray, VariationHasConfiguredSpreads) {
  pbit_device_t d = Magnet(5.0, PBIT_RATE_BIAS_INDEPENDENT);
  d.sigma_offset = 0.3;
  d.sigma_gain = 0.1;
  d.sigma_log_tau = 0.5;
  const size_t n = 10000;
  ArrayPtr a = Make(d, n, 1.0, 99);
  std::vector<double> off(n), gain(n), logtau(n);
  for (size_t i = 0; i < n; i++) {
    pbit_unit_t u;
    ASSERT_EQ(pbit_array_unit(a.get(), i, &u), PBIT_OK);
    off[i] = u.offset;
    gain[i] = u.gain;
    logtau[i] = std::log(u.dwell_ns / 5.0);
    EXPECT_EQ(u.stuck, -1);
  }
  auto check = [&](const std::vector<double> &x, double mu, double sigma, const char *what) {
    double m = 0, v = 0;
    for (double e : x) m += e;
    m /= n;
    for (double e : x) v += (e - m) * (e - m);
    double sd = std::sqrt(v / (n - 1));
    EXPECT_NEAR(m, mu, kSigmas * sigma / std::sqrt(n)) << what;
    EXPECT_NEAR(sd, sigma, kSigmas * sigma / std::sqrt(2.0 * (n - 1))) << what;
  };
  check(off, 0.0, 0.3, "offset");
  check(gain, 1.0, 0.1, "gain");
  check(logtau, 0.0, 0.5, "log dwell");
  // The variation acts on the law: p_i = sigmoid(beta I gain_i + offset_i).
  ASSERT_EQ(pbit_array_set_input_all(a.get(), 1.5), PBIT_OK);
  for (size_t i = 0; i < 50; i++)
    EXPECT_DOUBLE_EQ(pbit_array_probability(a.get(), i), Sigmoid(1.5 * gain[i] + off[i]));
}

TEST(PbitArray, FlipCounterEqualsObservedChanges) {
  pbit_device_t d = Magnet(3.0, PBIT_RATE_BIAS_DEPENDENT);
  d.sigma_offset = 0.2;
  const size_t n = 300;
  const uint64_t cycles = 1000;
  ArrayPtr a = Make(d, n, 1.0, 8);
  ASSERT_EQ(pbit_array_set_input_all(a.get(), 0.4), PBIT_OK);
  std::vector<uint8_t> init(n), tr(cycles * n);
  ASSERT_EQ(pbit_array_read(a.get(), 0, n, init.data()), PBIT_OK);
  ASSERT_EQ(pbit_array_run(a.get(), cycles, tr.data(), n), PBIT_OK);
  uint64_t changes = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t prev = init[i];
    for (uint64_t t = 0; t < cycles; t++) {
      changes += tr[t * n + i] != prev;
      prev = tr[t * n + i];
    }
  }
  pbit_counters_t c;
  pbit_array_counters(a.get(), &c);
  EXPECT_EQ(c.flips, changes);
  EXPECT_EQ(c.samples, n * (cycles + 1));
  EXPECT_EQ(c.pbit_cycles, n * cycles);
  EXPECT_EQ(c.cycles, cycles);
  EXPECT_EQ(c.dac_writes, n);  // each p-bit's input changed once
  // Expected physical flips >= observed (flips between reads are invisible).
  EXPECT_GE(c.expected_flips, 0.9 * static_cast<double>(changes));
}

TEST(PbitArray, ReproducibleFromSeedWhateverThreadsOrPath) {
  pbit_device_t d = Magnet(4.0, PBIT_RATE_BIAS_DEPENDENT);
  d.sigma_offset = 0.2;
  d.sigma_gain = 0.05;
  d.sigma_log_tau = 0.3;
  const size_t n = 5000;  // several kernel blocks
  const uint64_t cycles = 64;
  auto run = [&](uint64_t seed, int threads) {
    ArrayPtr a = Make(d, n, 1.0, seed);
    EXPECT_EQ(pbit_array_set_threads(a.get(), threads), PBIT_OK);
    auto tr = Trace(a.get(), 0.3, cycles);
    pbit_counters_t c;
    pbit_array_counters(a.get(), &c);
    tr.push_back(static_cast<uint8_t>(c.flips & 0xff));
    return tr;
  };
  auto base = run(42, 1);
  EXPECT_EQ(base, run(42, 1));
  EXPECT_EQ(base, run(42, 2));
  EXPECT_EQ(base, run(42, 3));
  EXPECT_NE(base, run(43, 1));

  // run() is only a fast path for advance(1) + read(all).
  ArrayPtr a = Make(d, n, 1.0, 42);
  ASSERT_EQ(pbit_array_set_input_all(a.get(), 0.3 / pbit_device_beta_eff(&d)), PBIT_OK);
  ASSERT_EQ(pbit_array_equilibrate(a.get()), PBIT_OK);
  std::vector<uint8_t> slow(cycles * n);
  for (uint64_t t = 0; t < cycles; t++) {
    ASSERT_EQ(pbit_array_advance(a.get(), 1), PBIT_OK);
    ASSERT_EQ(pbit_array_read(a.get(), 0, n, slow.data() + t * n), PBIT_OK);
  }
  base.pop_back();
  EXPECT_EQ(base, slow);
  ArrayPtr b = Make(d, n, 1.0, 42);
  Trace(b.get(), 0.3, cycles);
  pbit_counters_t ca, cb;
  pbit_array_counters(a.get(), &ca);
  pbit_array_counters(b.get(), &cb);
  EXPECT_EQ(ca.flips, cb.flips);
  EXPECT_EQ(ca.samples, cb.samples);
  EXPECT_EQ(ca.expected_flips, cb.expected_flips);  // integer sum: exact
}

// E[f(X)], X ~ N(0,1), by a fine midpoint rule on [-10, 10].
template <typename F>
double GaussAverage(F f) {
  double acc = 0;
  const int steps = 20000;
  const double lo = -10, h = 20.0 / steps;
  for (int k = 0; k < steps; k++) {
    double x = lo + (k + 0.5) * h;
    acc += f(x) * std::exp(-0.5 * x * x);
  }
  return acc * h / std::sqrt(2 * M_PI);
}

TEST(PbitArray, InputNoiseSmearsTheSigmoid) {
  pbit_device_t d = Ideal();
  d.sigma_input = 1.5;
  const size_t n = 2000;
  const uint64_t cycles = 200;
  ArrayPtr a = Make(d, n, 1.0, 12);
  auto tr = Trace(a.get(), 2.0, cycles);
  double mean = 0;
  for (uint8_t s : tr) mean += s;
  mean /= static_cast<double>(tr.size());
  double want = GaussAverage([](double x) { return Sigmoid(2.0 + 1.5 * x); });
  EXPECT_LT(want, Sigmoid(2.0) - 0.02);  // the smearing is visible
  EXPECT_NEAR(mean, want, kSigmas * std::sqrt(want * (1 - want) / tr.size()));
}

TEST(PbitArray, CommonModeNoiseCorrelatesPbits) {
  pbit_device_t d = Ideal();
  d.sigma_common = 1.0;
  const size_t n = 2;
  const uint64_t cycles = 200000;
  ArrayPtr a = Make(d, n, 1.0, 13);
  auto tr = Trace(a.get(), 0.0, cycles);
  // Cov(s0, s1) = Var_c[sigmoid(c)] with c ~ N(0, 1); E = 1/2 by symmetry.
  double want_cov = GaussAverage([](double x) { return Sigmoid(x) * Sigmoid(x); }) - 0.25;
  double both = 0, m0 = 0, m1 = 0;
  for (uint64_t t = 0; t < cycles; t++) {
    both += tr[2 * t] * tr[2 * t + 1];
    m0 += tr[2 * t];
    m1 += tr[2 * t + 1];
  }
  double cov = both / cycles - 0.25;  // known mean 1/2
  // Var of the product of two Bernoulli(1/2)-ish indicators <= 1/4.
  EXPECT_NEAR(cov, want_cov, kSigmas * std::sqrt(0.25 / cycles));
  EXPECT_GT(cov, kSigmas * std::sqrt(0.25 / cycles));
  EXPECT_NEAR(m0 / cycles, 0.5, kSigmas * std::sqrt(0.25 / cycles));
}

TEST(PbitArray, DacQuantisesInputsAndCountsWrites) {
  pbit_device_t d = Ideal();
  d.dac_bits = 4;
  d.dac_full_scale = 4.0;  // lsb 0.5, codes -8..7
  ArrayPtr a = Make(d, 3, 1.0, 1);
  double in[3] = {0.2, 0.3, 100.0};
  ASSERT_EQ(pbit_array_set_inputs(a.get(), 0, 3, in), PBIT_OK);
  EXPECT_DOUBLE_EQ(pbit_array_probability(a.get(), 0), 0.5);      // code 0
  EXPECT_DOUBLE_EQ(pbit_array_probability(a.get(), 1), Sigmoid(0.5));  // code 1
  EXPECT_DOUBLE_EQ(pbit_array_probability(a.get(), 2), Sigmoid(3.5));  // clamped to 7
  pbit_counters_t c;
  pbit_array_counters(a.get(), &c);
  EXPECT_EQ(c.dac_writes, 2u);  // p-bit 0 stayed at code 0
  int32_t codes[3] = {-8, 1, 7};
  ASSERT_EQ(pbit_array_set_codes(a.get(), 0, 3, codes), PBIT_OK);
  pbit_array_counters(a.get(), &c);
  EXPECT_EQ(c.dac_writes, 3u);
  EXPECT_DOUBLE_EQ(pbit_array_probability(a.get(), 0), Sigmoid(-4.0));
  int32_t bad[1] = {8};
  EXPECT_EQ(pbit_array_set_codes(a.get(), 0, 1, bad), PBIT_ERR_ARG);
}

TEST(PbitArray, StuckAtFaultsHaveConfiguredFractions) {
  pbit_device_t d = Magnet(2.0, PBIT_RATE_BIAS_INDEPENDENT);
  d.stuck_at_0 = 0.05;
  d.stuck_at_1 = 0.02;
  const size_t n = 20000;
  ArrayPtr a = Make(d, n, 1.0, 4);
  std::vector<int> stuck(n);
  double s0 = 0, s1 = 0;
  for (size_t i = 0; i < n; i++) {
    pbit_unit_t u;
    pbit_array_unit(a.get(), i, &u);
    stuck[i] = u.stuck;
    s0 += u.stuck == 0;
    s1 += u.stuck == 1;
  }
  EXPECT_NEAR(s0 / n, 0.05, kSigmas * std::sqrt(0.05 * 0.95 / n));
  EXPECT_NEAR(s1 / n, 0.02, kSigmas * std::sqrt(0.02 * 0.98 / n));
  auto tr = Trace(a.get(), 0.0, 50);
  for (uint64_t t = 0; t < 50; t++)
    for (size_t i = 0; i < n; i++)
      if (stuck[i] >= 0) {
        ASSERT_EQ(tr[t * n + i], stuck[i]) << "p-bit " << i;
      }
}

TEST(PbitArray, TemperatureScalesBetaAndArrheniusDwell) {
  pbit_device_t d = Ideal();
  d.barrier_kt = 5.0;
  d.attempt_ns = 1.0;
  EXPECT_NEAR(pbit_device_dwell_ns(&d), 148.41, 0.01);  // 5 kT -> ~148 ns
  d.temperature_k = 600.0;  // barrier halves in kT units, beta halves
  EXPECT_NEAR(pbit_device_dwell_ns(&d), std::exp(2.5), 1e-12);
  EXPECT_DOUBLE_EQ(pbit_device_beta_eff(&d), 0.5);
  d.convention = PBIT_CONV_BIPOLAR;
  EXPECT_DOUBLE_EQ(pbit_device_beta_eff(&d), 1.0);
  ArrayPtr a = Make(d, 1, 2.0, 1);
  EXPECT_DOUBLE_EQ(pbit_array_rho(a.get(), 0), std::exp(-2.0 / (std::exp(2.5) / 2)));
}

TEST(PbitArray, RejectsBadArguments) {
  pbit_device_t d = Ideal();
  pbit_array_t *a = nullptr;
  pbit_error_t err;
  EXPECT_EQ(pbit_array_create(nullptr, 4, 1.0, 1, &a, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_create(&d, 0, 1.0, 1, &a, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_create(&d, 4, 0.0, 1, &a, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_create(&d, 4, NAN, 1, &a, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_create(&d, 4, 1.0, 1, nullptr, &err), PBIT_ERR_ARG);
  pbit_device_t bad = d;
  bad.sigma_gain = -1;
  EXPECT_EQ(pbit_array_create(&bad, 4, 1.0, 1, &a, &err), PBIT_ERR_ARG);
  EXPECT_NE(std::string(err.msg).find("sigma_gain"), std::string::npos);
  EXPECT_EQ(a, nullptr);
  ArrayPtr ok = Make(d, 4, 1.0, 1);
  uint8_t st[4];
  double in[2] = {1.0, NAN};
  EXPECT_EQ(pbit_array_read(ok.get(), 2, 3, st), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_read(ok.get(), 0, 4, nullptr), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_set_inputs(ok.get(), 0, 2, in), PBIT_ERR_ARG);
  EXPECT_DOUBLE_EQ(pbit_array_probability(ok.get(), 0), 0.5);  // unchanged
  int32_t code = 0;
  EXPECT_EQ(pbit_array_set_codes(ok.get(), 0, 1, &code), PBIT_ERR_ARG);  // no DAC
  EXPECT_EQ(pbit_array_set_threads(ok.get(), 0), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_run(ok.get(), 5, st, 2), PBIT_ERR_ARG);  // stride < n
  EXPECT_EQ(pbit_array_run(nullptr, 5, nullptr, 0), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_advance(nullptr, 1), PBIT_ERR_ARG);
  pbit_array_destroy(nullptr);
  EXPECT_EQ(pbit_array_size(nullptr), 0u);
}

// ---- state save / restore (exact checkpoints)

// A mixed workload: lazy advances, partial reads, input changes at odd
// cycles and the run kernel; returns every state read and the counters.
struct Observed {
  std::vector<uint8_t> states;
  pbit_counters_t c{};
  uint64_t now = 0;
};

Observed Work(pbit_array_t *a, int steps, uint64_t salt) {
  Observed o;
  size_t n = pbit_array_size(a);
  std::vector<uint8_t> row(n);
  for (int k = 0; k < steps; k++) {
    std::vector<double> in(n / 2);
    for (size_t i = 0; i < in.size(); i++)
      in[i] = 0.3 * static_cast<double>(((i + static_cast<size_t>(k) + salt) % 7)) - 0.9;
    EXPECT_EQ(pbit_array_set_inputs(a, (k % 3) * (n / 8), in.size(), in.data()), PBIT_OK);
    EXPECT_EQ(pbit_array_advance(a, 1 + static_cast<uint64_t>(k % 5) * 3), PBIT_OK);
    EXPECT_EQ(pbit_array_read(a, 0, n / 2 + static_cast<size_t>(k % 4), row.data()), PBIT_OK);
    o.states.insert(o.states.end(), row.begin(), row.begin() + n / 2 + k % 4);
    std::vector<uint8_t> tr(3 * n);
    EXPECT_EQ(pbit_array_run(a, 3, tr.data(), n), PBIT_OK);
    o.states.insert(o.states.end(), tr.begin(), tr.end());
  }
  pbit_array_counters(a, &o.c);
  o.now = pbit_array_now(a);
  return o;
}

std::vector<uint8_t> Save(const pbit_array_t *a) {
  std::vector<uint8_t> s(pbit_array_state_size(a));
  pbit_error_t err;
  EXPECT_EQ(pbit_array_state_save(a, s.data(), s.size(), &err), PBIT_OK) << err.msg;
  return s;
}

pbit_device_t Varied() {
  pbit_device_t d = Magnet(6.0, PBIT_RATE_BIAS_DEPENDENT);
  snprintf(d.name, sizeof d.name, "varied");
  d.sigma_offset = 0.2;
  d.sigma_gain = 0.1;
  d.sigma_log_tau = 0.3;
  d.stuck_at_0 = 0.02;
  d.dac_bits = 6;
  d.dac_full_scale = 4.0;
  return d;
}

TEST(PbitArray, StateRestoreContinuesBitForBit) {
  for (double sigma_input : {0.0, 0.3}) {  // lazy and per-cycle (noisy) paths
    SCOPED_TRACE(sigma_input);
    pbit_device_t d = Varied();
    d.sigma_input = sigma_input;
    ArrayPtr a = Make(d, 300, 1.0, 21);
    Work(a.get(), 5, 0);
    std::vector<uint8_t> saved = Save(a.get());
    Observed first = Work(a.get(), 8, 1);
    // Into the same array, which has moved on, and into a fresh twin.
    pbit_error_t err;
    ASSERT_EQ(pbit_array_state_restore(a.get(), saved.data(), saved.size(), &err), PBIT_OK)
        << err.msg;
    EXPECT_EQ(Save(a.get()), saved);
    Observed again = Work(a.get(), 8, 1);
    ArrayPtr twin = Make(d, 300, 1.0, 21);
    ASSERT_EQ(pbit_array_state_restore(twin.get(), saved.data(), saved.size(), &err), PBIT_OK)
        << err.msg;
    Observed twin_run = Work(twin.get(), 8, 1);
    for (const Observed *o : {&again, &twin_run}) {
      EXPECT_EQ(o->states, first.states);
      EXPECT_EQ(o->now, first.now);
      EXPECT_EQ(o->c.samples, first.c.samples);
      EXPECT_EQ(o->c.flips, first.c.flips);
      EXPECT_EQ(o->c.dac_writes, first.c.dac_writes);
      EXPECT_EQ(o->c.pbit_cycles, first.c.pbit_cycles);
      EXPECT_EQ(o->c.expected_flips, first.c.expected_flips);
    }
    // Without the restore, a fresh array does something else.
    ArrayPtr fresh = Make(d, 300, 1.0, 21);
    EXPECT_NE(Work(fresh.get(), 8, 1).states, first.states);
  }
}

TEST(PbitArray, StateRestoreRefusesAnotherArray) {
  pbit_device_t d = Varied();
  ArrayPtr a = Make(d, 64, 1.0, 3);
  Work(a.get(), 2, 0);
  std::vector<uint8_t> saved = Save(a.get());
  std::vector<uint8_t> before;
  pbit_error_t err;
  struct Case {
    const char *what;
    ArrayPtr arr;
  };
  pbit_device_t other_name = d, other_params = d;
  snprintf(other_name.name, sizeof other_name.name, "other");
  other_params.sigma_offset = 0.25;
  Case cases[] = {{"p-bits", Make(d, 65, 1.0, 3)},
                  {"clock", Make(d, 64, 2.0, 3)},
                  {"'other'", Make(other_name, 64, 1.0, 3)},
                  {"seed", Make(d, 64, 1.0, 4)},
                  {"parameters", Make(other_params, 64, 1.0, 3)}};
  for (Case &c : cases) {
    SCOPED_TRACE(c.what);
    before = Save(c.arr.get());
    EXPECT_EQ(pbit_array_state_restore(c.arr.get(), saved.data(), saved.size(), &err),
              PBIT_ERR_CONFIG);
    EXPECT_NE(std::string(err.msg).find(c.what), std::string::npos) << err.msg;
    EXPECT_EQ(Save(c.arr.get()), before);  // unchanged
  }
}

TEST(PbitArray, StateCallsCheckTheirArguments) {
  ArrayPtr a = Make(Ideal(), 16, 1.0, 1);
  std::vector<uint8_t> s = Save(a.get());
  pbit_error_t err;
  EXPECT_EQ(pbit_array_state_size(nullptr), 0u);
  EXPECT_EQ(pbit_array_state_save(nullptr, s.data(), s.size(), &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_state_save(a.get(), nullptr, s.size(), &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_state_save(a.get(), s.data(), s.size() - 1, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_state_restore(nullptr, s.data(), s.size(), &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_state_restore(a.get(), nullptr, s.size(), &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_array_state_restore(a.get(), s.data(), s.size() - 1, &err), PBIT_ERR_DATA);
  EXPECT_EQ(pbit_array_state_restore(a.get(), s.data(), 10, &err), PBIT_ERR_DATA);
  std::vector<uint8_t> bad = s;
  bad[0] ^= 1;  // the magic
  EXPECT_EQ(pbit_array_state_restore(a.get(), bad.data(), bad.size(), &err), PBIT_ERR_DATA);
  bad = s;
  bad[bad.size() - 16 * 16 - 1] = 7;  // a p-bit's previous read: not 0/1
  EXPECT_EQ(pbit_array_state_restore(a.get(), bad.data(), bad.size(), &err), PBIT_ERR_DATA);
  EXPECT_EQ(Save(a.get()), s);
}

}  // namespace
