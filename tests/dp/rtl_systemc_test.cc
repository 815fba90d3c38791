// The `systemc` HAL backend (sim/hal/hal_systemc.h): the datapath verilated
// with --sc under an sc_clock, stepped by sc_start one clock per bus
// access. The same firmware (firmware/layer.c) with the same seed on
// `model`, `rtl` and `systemc` must give bit-identical p-bit states, counts,
// accumulators, DAC codes, weights, biases, per-operation cycles, datapath
// counters, p-bit counters and clock; SystemC time = cycles x clock_ns.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hal_common.h"
#include "hal_systemc.h"

namespace {

using haltest::Layer;
using haltest::Result;

// Opens the systemc backend by name.
std::string RunSystemc(const pbit_dp_params_t &p, const pbit_device_t &dev, uint64_t seed,
                       double lsb, const Layer &l, const std::vector<std::vector<uint8_t>> &xs,
                       const std::vector<std::vector<int32_t>> &ds, Result *r) {
  return haltest::Run("systemc", p, dev, seed, lsb, l, xs, ds, r);
}

void ExpectSame(const Result &m, const Result &s) {
  EXPECT_EQ(m.acc, s.acc);
  EXPECT_EQ(m.dac, s.dac);
  EXPECT_EQ(m.codes, s.codes);
  EXPECT_EQ(m.counts, s.counts);
  EXPECT_EQ(m.states, s.states);
  EXPECT_EQ(m.w, s.w);
  EXPECT_EQ(m.b, s.b);
  EXPECT_EQ(m.fwd_cycles, s.fwd_cycles);
  EXPECT_EQ(m.upd_cycles, s.upd_cycles);
  EXPECT_EQ(m.dp_counters, s.dp_counters);
  EXPECT_EQ(m.pc.samples, s.pc.samples);
  EXPECT_EQ(m.pc.flips, s.pc.flips);
  EXPECT_EQ(m.pc.dac_writes, s.pc.dac_writes);
  EXPECT_EQ(m.pc.pbit_cycles, s.pc.pbit_cycles);
  EXPECT_EQ(m.pc.cycles, s.pc.cycles);
  EXPECT_EQ(m.pc.dac_chunks, s.pc.dac_chunks);
  EXPECT_EQ(m.now, s.now);
}

TEST(SystemcHal, BuildsAndBackendName) {
  ASSERT_EQ(pbit_hal_systemc_num_builds(), 2u);
  EXPECT_STREQ(pbit_hal_systemc_build_name(0), "tiny");
  EXPECT_STREQ(pbit_hal_systemc_build_name(1), "small");
  EXPECT_EQ(pbit_hal_systemc_build_name(2), nullptr);
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("ideal", &dev));
  pbit_hal_config_t cfg{};
  cfg.backend = "systemc";
  cfg.accel = p;
  cfg.device = dev;
  cfg.max_copies = 1;
  cfg.input_lsb = 0.1;
  pbit_error_t err;
  {
    pbit_hal_t *h = nullptr, *h2 = nullptr;
    ASSERT_EQ(pbit_hal_open(&cfg, &h, &err), PBIT_OK) << err.msg;
    EXPECT_STREQ(pbit_hal_backend(h), "systemc");
    pbit_hal_info_t info;
    ASSERT_EQ(pbit_hal_info(h, &info), PBIT_HAL_OK);
    EXPECT_EQ(info.lanes, static_cast<uint32_t>(p.lanes));
    EXPECT_EQ(info.max_units, static_cast<uint32_t>(p.max_units));
    // Several slots per build: a second handle on tiny opens too (the
    // slot limit: rtl_systemc_tiles_test.cc).
    ASSERT_EQ(pbit_hal_open(&cfg, &h2, &err), PBIT_OK) << err.msg;
    pbit_hal_close(h2);
    pbit_hal_close(h);
    // Unknown parameters: no build.
    pbit_hal_config_t bad = cfg;
    bad.accel.max_units = p.max_units / 2;
    EXPECT_EQ(pbit_hal_open(&bad, &h2, &err), PBIT_ERR_CONFIG);
    // The clock is part of a SystemC build.
    bad = cfg;
    bad.accel.clock_ns = p.clock_ns * 2;
    EXPECT_EQ(pbit_hal_open(&bad, &h2, &err), PBIT_ERR_CONFIG);
    EXPECT_NE(std::string(err.msg).find("clock_ns"), std::string::npos) << err.msg;
  }
  // Every backend is listed by name.
  const char *const *names = pbit_hal_backends();
  EXPECT_STREQ(names[0], "model");
  EXPECT_STREQ(names[1], "rtl");
  EXPECT_STREQ(names[2], "systemc");
  EXPECT_EQ(names[3], nullptr);
}

struct Case {
  const char *accel, *device;
  uint32_t n_in, n_out, copies, samples;
  double density;
};

class SystemcCosimTest : public ::testing::TestWithParam<Case> {};

// One layer (three presentations + updates) on model, rtl and systemc.
TEST_P(SystemcCosimTest, ModelRtlAndSystemcAreBitIdentical) {
  const Case c = GetParam();
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel(c.accel, &p));
  ASSERT_TRUE(haltest::LoadDevice(c.device, &dev));
  std::mt19937_64 rng(std::hash<std::string>{}(std::string(c.accel) + c.device + "sc"));
  Layer l = haltest::RandomLayer(p, c.n_in, c.n_out, c.copies, c.samples, rng);
  std::vector<std::vector<uint8_t>> xs;
  std::vector<std::vector<int32_t>> ds;
  for (int s = 0; s < 3; s++) {
    xs.push_back(haltest::RandomInput(c.n_in, c.density, rng));
    ds.push_back(haltest::RandomDelta(p, c.n_out, rng));
  }
  double lsb = 8.0 / (1 << (p.dac_bits - 1));
  uint64_t seed = rng();
  Result m, r, s;
  ASSERT_EQ(haltest::Run("model", p, dev, seed, lsb, l, xs, ds, &m), "");
  ASSERT_EQ(haltest::Run("rtl", p, dev, seed, lsb, l, xs, ds, &r), "");
  double t0 = pbit_hal_systemc_time_ns();
  ASSERT_EQ(RunSystemc(p, dev, seed, lsb, l, xs, ds, &s), "");
  double t1 = pbit_hal_systemc_time_ns();
  {
    SCOPED_TRACE("model vs systemc");
    ExpectSame(m, s);
  }
  {
    SCOPED_TRACE("rtl vs systemc");
    ExpectSame(r, s);
  }
  EXPECT_GT(s.pc.dac_chunks, 0u);
  uint64_t ones = 0;
  for (uint8_t v : s.states) ones += v;
  EXPECT_GT(ones, 0u);
  EXPECT_LT(ones, s.states.size());
  // SystemC time passed: at least the run's clock cycles at clock_ns (plus
  // the reset and parameter reads of the open).
  EXPECT_GE(t1 - t0, static_cast<double>(s.now) * p.clock_ns);
  EXPECT_LE(t1 - t0, static_cast<double>(s.now + 200) * p.clock_ns);
}

INSTANTIATE_TEST_SUITE_P(Layers, SystemcCosimTest,
                         ::testing::Values(Case{"tiny", "ideal", 10, 7, 3, 40, 0.5},
                                           Case{"tiny", "smtj-slow", 23, 5, 8, 16, 0.9},
                                           Case{"small", "smtj-fast", 40, 50, 3, 32, 0.4}),
                         [](const auto &info) {
                           std::string n = std::string(info.param.accel) + "_" + info.param.device;
                           for (auto &ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// The clock: every bus access and every idle p-bit cycle is one period of
// the sc_clock; a FIFO list costs pushes + 2 * pieces + busy cycles, as on
// the other backends, and the SystemC time advances by cycles x clock_ns.
TEST(SystemcHal, FifoListClockAndTime) {
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
  for (int b = 0; b < 2; b++) {
    pbit_hal_config_t cfg{};
    cfg.backend = b == 0 ? "model" : "systemc";
    cfg.accel = p;
    cfg.device = dev;
    cfg.max_copies = 2;
    cfg.input_lsb = 0.2;
    cfg.seed = 99;
    pbit_hal_t *h = nullptr;
    pbit_error_t err;
    ASSERT_EQ(pbit_hal_open(&cfg, &h, &err), PBIT_OK) << err.msg;
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
    uint64_t pieces = (idx.size() + p.fifo_depth - 1) / p.fifo_depth;
    EXPECT_EQ(t1 - t0, idx.size() + 2 * pieces + c[PBIT_DP_CNT_CYCLES]);
    now[b] = {t0, t1, pbit_hal_now(h)};
    counts[b].resize(l.n_out);
    double ns0 = pbit_hal_systemc_time_ns();
    ASSERT_EQ(pbit_hal_pbit_sample(h, l.n_out, 50, counts[b].data(), nullptr), PBIT_HAL_OK);
    double ns1 = pbit_hal_systemc_time_ns();
    if (b == 1) {
      EXPECT_DOUBLE_EQ(ns1 - ns0, 50 * p.clock_ns);
    }
    now[b].push_back(pbit_hal_now(h));
    EXPECT_EQ(now[b][3] - now[b][2], 50u);
    pbit_hal_close(h);
  }
  EXPECT_EQ(now[0], now[1]);
  EXPECT_EQ(counts[0], counts[1]);
}

}  // namespace
