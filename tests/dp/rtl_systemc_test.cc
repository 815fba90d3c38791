// The `systemc` HAL backend (sim/hal/hal_systemc.h): the datapath verilated
// with --sc under an sc_clock, stepped by sc_start one clock per bus
// access. The same firmware (firmware/layer.c) with the same seed on
// `model`, `rtl` and `systemc` must give bit-identical p-bit states, counts,
// accumulators, DAC codes, weights, biases, per-operation cycles, datapath
// counters, p-bit counters and clock; SystemC time = cycles x clock_ns. The
// p-bit array of a slot is an sc_module on the DAC port; a reused slot
// starts with its SRAMs zeroed, as a fresh model does.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hal_common.h"
#include "hal_systemc.h"
#include "hal_systemc_impl.hh"

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

// Every PbitArray module of the elaboration (one per slot).
std::vector<pbitsc::PbitArray *> PbitModules() {
  std::vector<pbitsc::PbitArray *> v;
  for (sc_core::sc_object *top : sc_core::sc_get_top_level_objects())
    for (sc_core::sc_object *o : top->get_child_objects())
      if (auto *m = dynamic_cast<pbitsc::PbitArray *>(o)) v.push_back(m);
  return v;
}

uint64_t ModuleChunks() {
  uint64_t n = 0;
  for (const pbitsc::PbitArray *m : PbitModules()) n += m->chunks();
  return n;
}

pbit_hal_config_t TinyConfig(const pbit_dp_params_t &p, const pbit_device_t &dev) {
  pbit_hal_config_t cfg{};
  cfg.backend = "systemc";
  cfg.accel = p;
  cfg.device = dev;
  cfg.max_copies = 2;
  cfg.input_lsb = 0.2;
  cfg.seed = 11;
  return cfg;
}

// The p-bit array is an sc_module of every slot, its ports bound to the
// datapath's DAC port; the chunks it takes off the port are the ones the
// HAL counts (and the bit-identity tests above show they set the p-bits
// exactly as on model and rtl).
TEST(SystemcHal, PbitArrayIsAModuleOnTheDacPort) {
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("smtj-fast", &dev));
  pbit_hal_config_t cfg = TinyConfig(p, dev);
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  ASSERT_EQ(pbit_hal_open(&cfg, &h, &err), PBIT_OK) << err.msg;
  std::vector<pbitsc::PbitArray *> mods = PbitModules();
  ASSERT_EQ(mods.size(), pbit_hal_systemc_slots() * 5);  // tiny, small, 2 VCD, 1 FST builds
  for (pbitsc::PbitArray *m : mods) {
    EXPECT_STREQ(m->kind(), "sc_module");
    EXPECT_STREQ(m->basename(), "pbits");
    EXPECT_NE(m->dac_valid_i.get_interface(), nullptr);
    EXPECT_NE(m->dac_chunk_i.get_interface(), nullptr);
  }
  std::mt19937_64 rng(3);
  Layer l = haltest::RandomLayer(p, 20, 10, 2, 3, rng);  // 10 units: 3 chunks of 4 lanes
  pbit_fw_layer_t lv = l.View();
  ASSERT_EQ(pbit_fw_layer_load(h, &lv), PBIT_HAL_OK) << pbit_hal_error(h);
  pbit_hal_pbit_counters_t c0, c1;
  ASSERT_EQ(pbit_hal_pbit_counters(h, &c0), PBIT_HAL_OK);
  uint64_t m0 = ModuleChunks();
  std::vector<uint8_t> x = haltest::RandomInput(20, 0.5, rng);
  std::vector<int32_t> d = haltest::RandomDelta(p, 10, rng);
  std::vector<uint32_t> counts(10);
  pbit_fw_step_out_t o{};
  o.counts = counts.data();
  ASSERT_EQ(pbit_fw_layer_step(h, &lv, x.data(), d.data(), &o), PBIT_HAL_OK) << pbit_hal_error(h);
  ASSERT_EQ(pbit_hal_pbit_counters(h, &c1), PBIT_HAL_OK);
  EXPECT_GT(c1.dac_chunks, c0.dac_chunks);
  EXPECT_EQ(c1.dac_chunks - c0.dac_chunks, ModuleChunks() - m0);
  EXPECT_EQ((c1.dac_chunks - c0.dac_chunks) % 3, 0u);
  pbit_hal_close(h);
}

// A slot reused by a later open starts as a fresh model: weights, bias and
// accumulators read back as zero, as on `model`.
TEST(SystemcHal, ReusedSlotStartsWithZeroSrams) {
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("smtj-fast", &dev));
  std::mt19937_64 rng(4);
  Layer l = haltest::RandomLayer(p, 24, 12, 1, 2, rng);
  pbit_fw_layer_t lv = l.View();
  pbit_error_t err;
  for (const char *be : {"model", "systemc"}) {
    SCOPED_TRACE(be);
    // Dirty every slot of the build, then reopen one.
    std::vector<pbit_hal_t *> hs(be[0] == 's' ? pbit_hal_systemc_slots() : 1, nullptr);
    pbit_hal_config_t cfg = TinyConfig(p, dev);
    cfg.backend = be;
    for (pbit_hal_t *&h : hs) {
      ASSERT_EQ(pbit_hal_open(&cfg, &h, &err), PBIT_OK) << err.msg;
      ASSERT_EQ(pbit_fw_layer_load(h, &lv), PBIT_HAL_OK) << pbit_hal_error(h);
      std::vector<int32_t> w(l.w.size());
      ASSERT_EQ(pbit_hal_read_weights(h, 0, l.n_in, l.n_out, w.data()), PBIT_HAL_OK);
      ASSERT_EQ(w, l.w);
    }
    for (pbit_hal_t *h : hs) pbit_hal_close(h);
    pbit_hal_t *h = nullptr;
    ASSERT_EQ(pbit_hal_open(&cfg, &h, &err), PBIT_OK) << err.msg;
    ASSERT_EQ(pbit_hal_set_geometry(h, l.n_in, l.n_out, 0), PBIT_HAL_OK) << pbit_hal_error(h);
    std::vector<int32_t> w(l.w.size(), 1), b(l.n_out, 1);
    std::vector<int64_t> acc(l.n_out, 1);
    ASSERT_EQ(pbit_hal_read_weights(h, 0, l.n_in, l.n_out, w.data()), PBIT_HAL_OK);
    ASSERT_EQ(pbit_hal_read_bias(h, b.data(), b.size()), PBIT_HAL_OK);
    ASSERT_EQ(pbit_hal_read_acc(h, acc.data(), acc.size()), PBIT_HAL_OK);
    EXPECT_EQ(w, std::vector<int32_t>(w.size(), 0));
    EXPECT_EQ(b, std::vector<int32_t>(b.size(), 0));
    EXPECT_EQ(acc, std::vector<int64_t>(acc.size(), 0));
    pbit_hal_close(h);
  }
}

}  // namespace
