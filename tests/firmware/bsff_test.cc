// The BSFF firmware (firmware/bsff/) on the HAL's model backend: it learns a
// synthetic task far above chance, every run is reproducible from its seed,
// checkpoints round-trip, and bad configurations are refused.
#include "bsff/bsff.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../test_util.h"
#include "config/config.h"
#include "hal_sim.h"

namespace {

// 4 classes of 64-pixel images: each class lights its own 16 pixels, with
// 15 % of all pixels flipped at random.
struct Task {
  static constexpr uint32_t kPixels = 64, kClasses = 4;
  std::vector<uint8_t> px, labels;
  uint32_t n = 0;
  Task(uint32_t count, uint64_t seed) : n(count) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    px.resize(static_cast<size_t>(count) * kPixels);
    labels.resize(count);
    for (uint32_t e = 0; e < count; e++) {
      uint32_t c = static_cast<uint32_t>(rng() % kClasses);
      labels[e] = static_cast<uint8_t>(c);
      for (uint32_t i = 0; i < kPixels; i++) {
        bool on = i / 16 == c;
        if (u(rng) < 0.15) on = !on;
        px[static_cast<size_t>(e) * kPixels + i] = on ? 230 : 10;
      }
    }
  }
  const uint8_t *Image(uint32_t e) const { return px.data() + static_cast<size_t>(e) * kPixels; }
};

pbit_bsff_config_t SmallConfig() {
  pbit_bsff_config_t c;
  pbit_bsff_config_default(&c);
  c.inputs = Task::kPixels;
  c.classes = Task::kClasses;
  c.layers = 2;
  c.units[0] = 24;
  c.units[1] = 24;
  c.copies = 4;
  c.label_repeat = 4;
  c.negatives = PBIT_BSFF_NEG_RANDOM;
  c.schedule = PBIT_BSFF_SCHED_CONST;
  c.lr = 1.0;
  return c;
}

struct Rig {
  pbit_hal_t *hal = nullptr;
  pbit_bsff_t *b = nullptr;
  pbit_error_t err{};
  ~Rig() {
    pbit_bsff_destroy(b);
    pbit_hal_close(hal);
  }
  int Open(const pbit_bsff_config_t &c, const char *device, uint32_t tiles = 0) {
    pbit_hal_config_t hc{};
    hc.backend = "model";
    if (pbit_config_load_accel(PBIT_REPO_PATH("configs/accel/small.yaml").c_str(), &hc.accel,
                               &err) != PBIT_OK)
      return -1;
    std::string dev = PBIT_REPO_PATH("configs/devices/") + device + ".yaml";
    pbit_device_ideal(&hc.device);
    if (pbit_config_load_device(dev.c_str(), &hc.device, &err) != PBIT_OK) return -1;
    hc.max_copies = c.copies;
    hc.input_lsb = pbit_bsff_input_lsb(&c) / pbit_device_beta_eff(&hc.device);
    hc.seed = c.seed;
    hc.tiles = tiles ? tiles : c.layers;
    if (pbit_hal_open(&hc, &hal, &err) != PBIT_OK) return -1;
    return pbit_bsff_create(hal, &c, &b, &err);
  }
  std::vector<int32_t> Weights(const pbit_bsff_config_t &c) {
    std::vector<int32_t> all;
    for (uint32_t l = 0; l < c.layers; l++) {
      uint32_t n_in = pbit_bsff_layer_inputs(&c, l);
      std::vector<int32_t> w(static_cast<size_t>(n_in) * c.units[l]), bias(c.units[l]);
      EXPECT_EQ(pbit_bsff_read_layer(b, l, w.data(), bias.data(), &err), PBIT_OK) << err.msg;
      all.insert(all.end(), w.begin(), w.end());
      all.insert(all.end(), bias.begin(), bias.end());
    }
    return all;
  }
};

double Accuracy(Rig &r, const Task &t, pbit_bsff_predict_t rule) {
  uint32_t ok = 0;
  for (uint32_t e = 0; e < t.n; e++) {
    uint32_t pred = 99;
    EXPECT_EQ(pbit_bsff_predict(r.b, t.Image(e), e, rule, &pred, nullptr, &r.err), PBIT_OK)
        << r.err.msg;
    ok += pred == t.labels[e];
  }
  return static_cast<double>(ok) / t.n;
}

// The goodness scores of the first `count` examples, C per example.
std::vector<double> Scores(Rig &r, const Task &t, uint32_t count) {
  std::vector<double> all;
  for (uint32_t e = 0; e < count; e++) {
    double s[Task::kClasses];
    uint32_t pred = 0;
    EXPECT_EQ(pbit_bsff_predict(r.b, t.Image(e), e, PBIT_BSFF_PREDICT_GOODNESS, &pred, s, &r.err),
              PBIT_OK)
        << r.err.msg;
    all.insert(all.end(), s, s + Task::kClasses);
  }
  return all;
}

void Train(Rig &r, const Task &t, uint32_t epochs) {
  for (uint32_t ep = 0; ep < epochs; ep++)
    for (uint32_t e = 0; e < t.n; e++)
      ASSERT_EQ(
          pbit_bsff_train_example(r.b, t.Image(e), t.labels[e], ep * t.n + e, nullptr, &r.err),
          PBIT_OK)
          << r.err.msg;
}

TEST(Bsff, LearnsASyntheticTaskInBothModes) {
  Task train(600, 1), test(400, 2);
  for (int mode = 0; mode < 2; mode++) {
    SCOPED_TRACE(mode == 0 ? "hardware" : "reference");
    pbit_bsff_config_t c = SmallConfig();
    c.mode = mode == 0 ? PBIT_BSFF_HARDWARE : PBIT_BSFF_REFERENCE;
    Rig r;
    ASSERT_EQ(r.Open(c, "smtj-fast"), PBIT_OK) << r.err.msg;
    double before = Accuracy(r, test, PBIT_BSFF_PREDICT_GOODNESS);
    Train(r, train, 2);
    double after = Accuracy(r, test, PBIT_BSFF_PREDICT_GOODNESS);
    // Chance is 25 %; each class is plain in the pixels, so a working trainer
    // gets most of them (a broken update leaves it near chance).
    EXPECT_GT(after, 0.80) << "before training: " << before;
  }
}

TEST(Bsff, HardNegativesAndReadoutWork) {
  Task train(600, 3), test(400, 4);
  pbit_bsff_config_t c = SmallConfig();
  c.negatives = PBIT_BSFF_NEG_HARD;
  c.readout = 1;
  c.readout_lr = 0.05;
  Rig r;
  ASSERT_EQ(r.Open(c, "ideal"), PBIT_OK) << r.err.msg;
  pbit_bsff_stats_t st{};
  for (uint32_t e = 0; e < train.n; e++)
    ASSERT_EQ(pbit_bsff_train_example(r.b, train.Image(e), train.labels[e], e, &st, &r.err),
              PBIT_OK);
  EXPECT_EQ(st.scored, train.n);
  EXPECT_GT(Accuracy(r, test, PBIT_BSFF_PREDICT_GOODNESS), 0.80);
  EXPECT_GT(Accuracy(r, test, PBIT_BSFF_PREDICT_READOUT), 0.80);
}

TEST(Bsff, SameSeedSameWeightsOtherSeedOther) {
  Task train(80, 5);
  std::vector<int32_t> w[3];
  for (int k = 0; k < 3; k++) {
    pbit_bsff_config_t c = SmallConfig();
    c.seed = k == 2 ? 8 : 7;
    c.negatives = PBIT_BSFF_NEG_HARD;
    Rig r;
    ASSERT_EQ(r.Open(c, "smtj-slow"), PBIT_OK) << r.err.msg;
    Train(r, train, 1);
    w[k] = r.Weights(c);
  }
  EXPECT_EQ(w[0], w[1]);
  EXPECT_NE(w[0], w[2]);
}

TEST(Bsff, WriteReadLayerRoundTripsAndCountersAddUp) {
  pbit_bsff_config_t c = SmallConfig();
  Rig r;
  ASSERT_EQ(r.Open(c, "ideal"), PBIT_OK) << r.err.msg;
  uint32_t n_in = pbit_bsff_layer_inputs(&c, 1);
  std::vector<int32_t> w(static_cast<size_t>(n_in) * c.units[1]), b(c.units[1]);
  for (size_t i = 0; i < w.size(); i++) w[i] = static_cast<int32_t>(i % 201) - 100;
  for (size_t i = 0; i < b.size(); i++) b[i] = static_cast<int32_t>(i) - 7;
  ASSERT_EQ(pbit_bsff_write_layer(r.b, 1, w.data(), b.data(), &r.err), PBIT_OK);
  std::vector<int32_t> w2(w.size()), b2(b.size());
  ASSERT_EQ(pbit_bsff_read_layer(r.b, 1, w2.data(), b2.data(), &r.err), PBIT_OK);
  EXPECT_EQ(w, w2);
  EXPECT_EQ(b, b2);
  Task t(20, 9);
  Train(r, t, 1);
  pbit_bsff_counters_t tc{};
  ASSERT_EQ(pbit_bsff_counters(r.b, 1, &tc, &r.err), PBIT_OK);
  EXPECT_EQ(tc.examples, 20u);
  // Each example: 2 FORWARDs + 2 UPDATEs per layer; layer 2 presents K copy
  // vectors per operation. FORWARD emits N DAC codes per presentation.
  uint64_t dac = tc.dp[PBIT_BSFF_PH_FORWARD][PBIT_DP_CNT_DAC_CODES];
  EXPECT_EQ(dac, 20u * 2 * (c.units[0] + c.units[1]));
  EXPECT_EQ(tc.dp[PBIT_BSFF_PH_UPDATE][PBIT_DP_CNT_DAC_CODES], 0u);
  EXPECT_GT(tc.dp[PBIT_BSFF_PH_UPDATE][PBIT_DP_CNT_SRAM_WRITES], 0u);
  EXPECT_EQ(tc.dp[PBIT_BSFF_PH_FORWARD][PBIT_DP_CNT_SRAM_WRITES], 0u);
  // Hardware mode, T = 1: T + 1 samples per training pass of every p-bit.
  EXPECT_EQ(tc.pbits.samples, 20u * 2 * 2 * c.copies * (c.units[0] + c.units[1]));
}

// P pixel planes: layer 1 adds row i once per plane where pixel i is on, the
// label rows P times, and shifts its DAC code by log2 P more. On a black and
// white image every plane is the same, so layer 1's p-bits see exactly what
// they see with one plane; grey levels make a difference; and the trainer
// learns.
TEST(Bsff, PixelPlanesKeepTheInputScale) {
  Task bw(40, 11);
  for (auto &v : bw.px) v = v > 127 ? 255 : 0;
  Task grey(40, 12);
  for (size_t i = 0; i < grey.px.size(); i++)
    grey.px[i] = static_cast<uint8_t>(40 + (i * 37) % 180);
  std::vector<double> sc[2][2];  // [P = 1, 4][bw, grey]
  for (int k = 0; k < 2; k++) {
    pbit_bsff_config_t c = SmallConfig();
    c.mode = PBIT_BSFF_REFERENCE;  // expectations: the scores are functions of the DAC codes
    c.layers = 1;  // a deeper layer's input is a p-bit sample, and the clock differs with P
    c.pixel_samples = k == 0 ? 1 : 4;  // threshold: one plane at 0.5, or 4 at 1/8, 3/8, ...
    Rig r;
    ASSERT_EQ(r.Open(c, "ideal"), PBIT_OK) << r.err.msg;
    sc[k][0] = Scores(r, bw, bw.n);
    sc[k][1] = Scores(r, grey, grey.n);
  }
  EXPECT_EQ(sc[0][0], sc[1][0]);
  EXPECT_NE(sc[0][1], sc[1][1]);

  Task train(600, 13), test(400, 14);
  pbit_bsff_config_t c = SmallConfig();
  c.binarize = PBIT_BSFF_BIN_STOCHASTIC;
  c.pixel_samples = 4;
  Rig r;
  ASSERT_EQ(r.Open(c, "smtj-fast"), PBIT_OK) << r.err.msg;
  Train(r, train, 2);
  EXPECT_GT(Accuracy(r, test, PBIT_BSFF_PREDICT_GOODNESS), 0.80);
  pbit_bsff_counters_t tc{};
  ASSERT_EQ(pbit_bsff_counters(r.b, 1, &tc, &r.err), PBIT_OK);
  // 4 planes of 64 pixels drawn per example.
  EXPECT_EQ(tc.ops[PBIT_BSFF_PH_FORWARD].rng, 1200u * (4 * Task::kPixels + 1));

  for (uint32_t bad : {0u, 3u, 128u}) {
    pbit_bsff_config_t cb = SmallConfig();
    cb.pixel_samples = bad;
    pbit_error_t err{};
    EXPECT_NE(pbit_bsff_config_check(&cb, &err), PBIT_OK) << bad;
    EXPECT_NE(std::strstr(err.msg, "pixel_samples"), nullptr) << err.msg;
  }
}

// reuse_image_sum: layer 1 adds the image rows once per image and weight
// version (SAVE) and each label pass restarts from that sum (RESTORE). One
// layer in reference mode depends only on the DAC codes, so training and
// scoring must give the same weights and scores as the plain path, for fewer
// weight reads and cycles. (The readout reads p-bit samples, whose clock
// differs, so it is trained but not compared.) A second example image must not reuse
// the first one's sum, and an UPDATE must not reuse a sum of old weights.
TEST(Bsff, ReusedImageSumGivesTheSameCodesForLessWork) {
  Task train(150, 21), test(60, 22);
  std::vector<int32_t> w[2];
  std::vector<double> sc[2];
  std::vector<int32_t> codes[2];
  pbit_bsff_counters_t tc[2]{}, ic[2]{};
  for (int k = 0; k < 2; k++) {
    SCOPED_TRACE(k ? "reuse" : "plain");
    pbit_bsff_config_t c = SmallConfig();
    c.mode = PBIT_BSFF_REFERENCE;
    c.layers = 1;
    c.pixel_samples = 4;  // the label rows come with every plane
    c.negatives = PBIT_BSFF_NEG_HARD;
    c.readout = 1;
    c.readout_lr = 0.05;
    c.reuse_image_sum = k;
    Rig r;
    ASSERT_EQ(r.Open(c, "ideal"), PBIT_OK) << r.err.msg;
    Train(r, train, 1);
    // The last FORWARD was the readout's neutral pass after the UPDATEs:
    // it must have used the new weights.
    codes[k].resize(c.units[0]);
    ASSERT_EQ(pbit_hal_select(r.hal, 0), PBIT_HAL_OK);
    ASSERT_EQ(pbit_hal_pbit_codes(r.hal, codes[k].data(), c.units[0]), PBIT_HAL_OK);
    w[k] = r.Weights(c);
    sc[k] = Scores(r, test, test.n);
    ASSERT_EQ(pbit_bsff_counters(r.b, 1, &tc[k], &r.err), PBIT_OK);
    ASSERT_EQ(pbit_bsff_counters(r.b, 0, &ic[k], &r.err), PBIT_OK);
  }
  EXPECT_EQ(w[0], w[1]);
  EXPECT_EQ(codes[0], codes[1]);
  EXPECT_EQ(sc[0], sc[1]);
  auto reads = [](const pbit_bsff_counters_t &t) {
    uint64_t s = 0;
    for (int ph = 0; ph < PBIT_BSFF_NUM_PH; ph++) s += t.dp[ph][PBIT_DP_CNT_SRAM_READS];
    return s;
  };
  // Per training example the plain path adds the image C + 3 times (scores,
  // positive, negative, readout); the reuse path twice (before the UPDATEs
  // and for the readout after them).
  EXPECT_LT(reads(tc[1]), reads(tc[0]));
  EXPECT_LT(tc[1].cycles, tc[0].cycles);
  // Scoring a test image: C passes become one image pass and C label tails.
  EXPECT_LT(2 * reads(ic[1]), reads(ic[0]));
  EXPECT_EQ(ic[0].dp[PBIT_BSFF_PH_SCORE][PBIT_DP_CNT_DAC_CODES],
            ic[1].dp[PBIT_BSFF_PH_SCORE][PBIT_DP_CNT_DAC_CODES]);
}

// The expected goodness of one unit against closed forms: MEAN is sum_k p_k;
// SQUARE is E[n^2] / K over the Poisson-binomial law of the count n (built
// here by convolution, not by the variance formula the code uses); both
// derivatives against central differences in z.
TEST(Bsff, UnitGoodnessIsTheExpectationAndItsDerivative) {
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> u(-4, 4);
  auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  for (uint32_t K : {1u, 2u, 4u, 8u}) {
    for (int rep = 0; rep < 20; rep++) {
      double z = u(rng), step = 0.5 + 0.1 * rep;
      auto probs = [&](double zz) {
        std::vector<double> p(K);
        for (uint32_t k = 0; k < K; k++) p[k] = sig(zz - (k + 0.5) * step);
        return p;
      };
      std::vector<double> p = probs(z);
      std::vector<double> pmf{1.0};
      for (double pk : p) {
        std::vector<double> next(pmf.size() + 1, 0.0);
        for (size_t n = 0; n < pmf.size(); n++) {
          next[n] += pmf[n] * (1 - pk);
          next[n + 1] += pmf[n] * pk;
        }
        pmf = next;
      }
      double en = 0, en2 = 0;
      for (size_t n = 0; n < pmf.size(); n++) {
        en += pmf[n] * n;
        en2 += pmf[n] * n * n;
      }
      for (int kind = 0; kind < 2; kind++) {
        auto gk = static_cast<pbit_bsff_goodness_t>(kind);
        double g, ds, gp, gm, unused;
        pbit_bsff_unit_goodness(p.data(), K, gk, &g, &ds);
        EXPECT_NEAR(g, kind == 0 ? en : en2 / K, 1e-12) << "K " << K << " kind " << kind;
        const double h = 1e-5;
        pbit_bsff_unit_goodness(probs(z + h).data(), K, gk, &gp, &unused);
        pbit_bsff_unit_goodness(probs(z - h).data(), K, gk, &gm, &unused);
        EXPECT_NEAR(ds, (gp - gm) / (2 * h), 1e-7) << "K " << K << " kind " << kind;
      }
    }
  }
}

// Hardware mode estimates the square goodness from p-bit samples: on ideal
// (memoryless) p-bits its mean over T cycles is the reference mode's
// expectation within 5 standard errors. n^2 / K lies in [0, K], so one
// unit-cycle has a variance of at most K^2 / 4: SE <= (K / 2) / sqrt(N T).
TEST(Bsff, SampledSquareGoodnessMatchesItsExpectation) {
  Task t(6, 31);
  std::vector<double> sc[2];
  pbit_bsff_config_t c = SmallConfig();
  c.layers = 1;
  c.units[0] = 200;
  c.samples = 4096;
  c.goodness = PBIT_BSFF_GOOD_SQUARE;
  for (int mode = 0; mode < 2; mode++) {
    c.mode = mode == 0 ? PBIT_BSFF_HARDWARE : PBIT_BSFF_REFERENCE;
    Rig r;
    ASSERT_EQ(r.Open(c, "ideal"), PBIT_OK) << r.err.msg;
    sc[mode] = Scores(r, t, t.n);
  }
  double se = (c.copies / 2.0) / std::sqrt(static_cast<double>(c.units[0]) * c.samples);
  for (size_t i = 0; i < sc[0].size(); i++) EXPECT_NEAR(sc[0][i], sc[1][i], 5 * se) << i;
  // Not the mean goodness: E[n^2] / K differs from E[n] by more than that.
  c.goodness = PBIT_BSFF_GOOD_MEAN;
  c.mode = PBIT_BSFF_REFERENCE;
  Rig r;
  ASSERT_EQ(r.Open(c, "ideal"), PBIT_OK) << r.err.msg;
  EXPECT_GT(std::fabs(Scores(r, t, 1)[0] - sc[1][0]), 10 * se);
}

TEST(Bsff, SquareGoodnessLearnsInBothModes) {
  Task train(600, 41), test(400, 42);
  for (int mode = 0; mode < 2; mode++) {
    SCOPED_TRACE(mode == 0 ? "hardware" : "reference");
    pbit_bsff_config_t c = SmallConfig();
    c.goodness = PBIT_BSFF_GOOD_SQUARE;
    c.mode = mode == 0 ? PBIT_BSFF_HARDWARE : PBIT_BSFF_REFERENCE;
    Rig r;
    ASSERT_EQ(r.Open(c, "smtj-fast"), PBIT_OK) << r.err.msg;
    Train(r, train, 2);
    EXPECT_GT(Accuracy(r, test, PBIT_BSFF_PREDICT_GOODNESS), 0.80);
  }
}

TEST(Bsff, RefusesWhatTheAcceleratorCannotHold) {
  pbit_bsff_config_t c = SmallConfig();
  {
    Rig r;
    EXPECT_EQ(r.Open(c, "ideal", 1), PBIT_ERR_CONFIG);
    EXPECT_NE(std::strstr(r.err.msg, "tiles"), nullptr) << r.err.msg;
  }
  {
    c.units[0] = 2000;  // small holds 1024 units
    Rig r;
    EXPECT_EQ(r.Open(c, "ideal"), PBIT_ERR_CONFIG);
    EXPECT_NE(std::strstr(r.err.msg, "holds"), nullptr) << r.err.msg;
  }
  pbit_error_t err{};
  c = SmallConfig();
  c.copies = 0;
  EXPECT_EQ(pbit_bsff_config_check(&c, &err), PBIT_ERR_ARG);
  c = SmallConfig();
  c.predict = PBIT_BSFF_PREDICT_READOUT;
  EXPECT_EQ(pbit_bsff_config_check(&c, &err), PBIT_ERR_ARG);
}

// The firmware's state with the simulator's: an exact resume. Everything a
// run reports afterwards (weights, readout, counters of both groups,
// predictions) matches the run that never stopped.
struct Snapshot {
  std::vector<uint8_t> fw, sim;
};

Snapshot Save(Rig &r) {
  Snapshot s;
  s.fw.resize(pbit_bsff_state_size(r.b));
  EXPECT_EQ(pbit_bsff_state_save(r.b, s.fw.data(), s.fw.size(), &r.err), PBIT_OK) << r.err.msg;
  size_t n = 0;
  EXPECT_EQ(pbit_hal_sim_state_size(r.hal, &n, &r.err), PBIT_OK) << r.err.msg;
  s.sim.resize(n);
  EXPECT_EQ(pbit_hal_sim_state_save(r.hal, s.sim.data(), n, &r.err), PBIT_OK) << r.err.msg;
  return s;
}

// Trains examples [from, to) then predicts a few; returns all it saw.
std::vector<double> Continue(Rig &r, const pbit_bsff_config_t &c, const Task &t, uint32_t from,
                             uint32_t to) {
  std::vector<double> seen;
  for (uint32_t e = from; e < to; e++) {
    EXPECT_EQ(pbit_bsff_train_example(r.b, t.Image(e % t.n), t.labels[e % t.n], e, nullptr, &r.err),
              PBIT_OK)
        << r.err.msg;
  }
  for (uint32_t e = 0; e < 4; e++) {
    uint32_t pred = 0;
    double sc[Task::kClasses];
    EXPECT_EQ(pbit_bsff_predict(r.b, t.Image(e), e, PBIT_BSFF_PREDICT_READOUT, &pred, sc, &r.err),
              PBIT_OK);
    seen.insert(seen.end(), sc, sc + Task::kClasses);
  }
  for (int32_t w : r.Weights(c)) seen.push_back(w);
  size_t ro_n = 0;
  const float *ro = pbit_bsff_readout(r.b, &ro_n);
  seen.insert(seen.end(), ro, ro + ro_n);
  for (int g = 0; g < 2; g++) {
    pbit_bsff_counters_t k{};
    EXPECT_EQ(pbit_bsff_counters(r.b, g, &k, &r.err), PBIT_OK);
    const uint64_t *v = reinterpret_cast<const uint64_t *>(&k);
    for (size_t i = 0; i < sizeof k / sizeof *v; i++) seen.push_back(static_cast<double>(v[i]));
  }
  seen.push_back(static_cast<double>(pbit_bsff_steps(r.b)));
  seen.push_back(static_cast<double>(pbit_hal_now(r.hal)));
  return seen;
}

TEST(Bsff, StateWithSimulatorStateResumesBitForBit) {
  // Also with the image sum kept in the saved bank across the passes: the
  // bank is part of the simulator state, the firmware recomputes the sum
  // after a restore (a new image comes first in both runs).
  for (int reuse = 0; reuse < 2; reuse++) {
    SCOPED_TRACE(reuse ? "reuse_image_sum" : "plain");
    Task t(30, 12);
    pbit_bsff_config_t c = SmallConfig();
    c.layers = 3;
    c.units[2] = 16;
    c.negatives = PBIT_BSFF_NEG_HARD;
    c.schedule = PBIT_BSFF_SCHED_COSINE;
    c.total_steps = 60;
    c.readout = 1;
    c.samples = 2;
    c.reuse_image_sum = reuse;
    c.pixel_samples = reuse ? 2 : 1;
    Rig a;
    ASSERT_EQ(a.Open(c, "smtj-slow"), PBIT_OK) << a.err.msg;
    Continue(a, c, t, 0, 25);  // ends with inference and reads: both groups live
    Snapshot s = Save(a);
    std::vector<double> first = Continue(a, c, t, 25, 60);
    // A new trainer on a new accelerator, as `pbitsim train --resume` builds
    // it (initial weights loaded), then both states.
    Rig b;
    ASSERT_EQ(b.Open(c, "smtj-slow"), PBIT_OK) << b.err.msg;
    ASSERT_EQ(pbit_hal_sim_state_restore(b.hal, s.sim.data(), s.sim.size(), &b.err), PBIT_OK)
        << b.err.msg;
    ASSERT_EQ(pbit_bsff_state_restore(b.b, s.fw.data(), s.fw.size(), &b.err), PBIT_OK) << b.err.msg;
    EXPECT_EQ(Continue(b, c, t, 25, 60), first);
    // The firmware state alone (fresh p-bits, other clock) is not enough.
    Rig d;
    ASSERT_EQ(d.Open(c, "smtj-slow"), PBIT_OK) << d.err.msg;
    Rig src;
    ASSERT_EQ(src.Open(c, "smtj-slow"), PBIT_OK);
    Continue(src, c, t, 0, 25);
    std::vector<int32_t> w = src.Weights(c);
    size_t off = 0;
    for (uint32_t l = 0; l < c.layers; l++) {
      size_t n = static_cast<size_t>(pbit_bsff_layer_inputs(&c, l)) * c.units[l];
      ASSERT_EQ(pbit_bsff_write_layer(d.b, l, w.data() + off, w.data() + off + n, &d.err), PBIT_OK);
      off += n + c.units[l];
    }
    ASSERT_EQ(pbit_bsff_state_restore(d.b, s.fw.data(), s.fw.size(), &d.err), PBIT_OK);
    EXPECT_NE(Continue(d, c, t, 25, 60), first);
  }
}

TEST(Bsff, StateRestoreRefusesAnotherNetworkAndDamage) {
  pbit_bsff_config_t c = SmallConfig();
  Rig a;
  ASSERT_EQ(a.Open(c, "ideal"), PBIT_OK) << a.err.msg;
  Snapshot s = Save(a);
  pbit_bsff_config_t c2 = c;
  c2.units[1] = 20;
  Rig b;
  ASSERT_EQ(b.Open(c2, "ideal"), PBIT_OK) << b.err.msg;
  EXPECT_EQ(pbit_bsff_state_restore(b.b, s.fw.data(), s.fw.size(), &b.err), PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(b.err.msg).find("another network"), std::string::npos) << b.err.msg;
  EXPECT_EQ(pbit_bsff_state_restore(a.b, s.fw.data(), s.fw.size() - 1, &a.err), PBIT_ERR_DATA);
  std::vector<uint8_t> bad = s.fw;
  bad[0] ^= 1;
  EXPECT_EQ(pbit_bsff_state_restore(a.b, bad.data(), bad.size(), &a.err), PBIT_ERR_DATA);
  bad = s.fw;
  bad[4 * 8] = 9;  // the selected tile
  EXPECT_EQ(pbit_bsff_state_restore(a.b, bad.data(), bad.size(), &a.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_bsff_state_size(nullptr), 0u);
  EXPECT_EQ(pbit_bsff_state_save(nullptr, bad.data(), bad.size(), &a.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_bsff_state_save(a.b, bad.data(), bad.size() - 1, &a.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_bsff_state_restore(nullptr, bad.data(), bad.size(), &a.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_bsff_state_restore(a.b, nullptr, 0, &a.err), PBIT_ERR_ARG);
  Snapshot again = Save(a);
  EXPECT_EQ(again.fw, s.fw);  // refusals changed nothing
}

}  // namespace
