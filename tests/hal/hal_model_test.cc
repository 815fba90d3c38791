// The firmware HAL on the `model` backend (the `rtl` one is compared to it
// in tests/dp/rtl_cosim_test.cc): opening, arguments, the firmware layer
// step against plain arithmetic, determinism by seed, the clock convention.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hal_common.h"

namespace {

using haltest::Layer;
using haltest::Result;

pbit_hal_config_t Config(const char *backend, const pbit_dp_params_t &p,
                         const pbit_device_t &d) {
  pbit_hal_config_t c{};
  c.backend = backend;
  c.accel = p;
  c.device = d;
  c.max_copies = 4;
  c.input_lsb = 0.25;
  c.seed = 5;
  return c;
}

TEST(HalModel, OpenChecksItsArguments) {
  pbit_dp_params_t p;
  pbit_device_t d;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("ideal", &d));
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  pbit_hal_config_t c = Config("nonsense", p, d);
  EXPECT_EQ(pbit_hal_open(&c, &h, &err), PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(err.msg).find("nonsense"), std::string::npos);
  // unit_tests link no verilated build: "rtl" says so.
  c = Config("rtl", p, d);
  EXPECT_EQ(pbit_hal_open(&c, &h, &err), PBIT_ERR_CONFIG);
  EXPECT_EQ(std::string(pbit_hal_backends()[0]), "model");
  c = Config("model", p, d);
  c.max_copies = 0;
  EXPECT_EQ(pbit_hal_open(&c, &h, &err), PBIT_ERR_ARG);
  c = Config("model", p, d);
  c.input_lsb = 0;
  EXPECT_EQ(pbit_hal_open(&c, &h, &err), PBIT_ERR_ARG);
  c = Config("model", p, d);
  c.accel.lanes = 0;
  EXPECT_NE(pbit_hal_open(&c, &h, &err), PBIT_OK);
  EXPECT_EQ(pbit_hal_open(nullptr, &h, &err), PBIT_ERR_ARG);
  EXPECT_EQ(h, nullptr);
  pbit_hal_close(nullptr);
}

TEST(HalModel, CallsCheckTheirArguments) {
  pbit_dp_params_t p;
  pbit_device_t d;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("ideal", &d));
  pbit_hal_config_t c = Config("model", p, d);
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  ASSERT_EQ(pbit_hal_open(&c, &h, &err), PBIT_OK);
  uint32_t v = 0;
  EXPECT_EQ(pbit_hal_reg_read(nullptr, 0, &v), PBIT_HAL_ERR_ARG);
  EXPECT_EQ(pbit_hal_reg_read(h, 0x100, &v), PBIT_HAL_ERR_ARG);
  EXPECT_EQ(pbit_hal_reg_read(h, PBIT_DP_REG_ID, &v), PBIT_HAL_OK);
  EXPECT_EQ(v, PBIT_DP_ID_VALUE);
  EXPECT_EQ(pbit_hal_pbit_copies(h, 0, nullptr), PBIT_HAL_ERR_ARG);
  EXPECT_EQ(pbit_hal_pbit_copies(h, 5, nullptr), PBIT_HAL_ERR_ARG);
  EXPECT_EQ(pbit_hal_pbit_sample(h, 17, 1, nullptr, nullptr), PBIT_HAL_ERR_ARG);
  EXPECT_NE(std::string(pbit_hal_error(h)), "");
  pbit_hal_info_t info;
  ASSERT_EQ(pbit_hal_info(h, &info), PBIT_HAL_OK);
  EXPECT_EQ(info.lanes, 4u);
  EXPECT_EQ(info.max_units, 16u);
  EXPECT_EQ(info.max_copies, 4u);
  // A window access outside the geometry is an accelerator error, named.
  ASSERT_EQ(pbit_hal_set_geometry(h, 2, 2, 0), PBIT_HAL_OK);
  int32_t b[3] = {1, 2, 3};
  EXPECT_EQ(pbit_hal_load_bias(h, b, 3), PBIT_HAL_ERR_DEVICE);
  EXPECT_NE(std::string(pbit_hal_error(h)).find("WIN_RANGE"), std::string::npos)
      << pbit_hal_error(h);
  pbit_hal_close(h);
}

TEST(HalModel, CopyOffsetsFollowTheBsffRule) {
  int32_t o[4];
  pbit_fw_copy_offsets(4, 2.0, o);
  EXPECT_EQ(o[0], -1);
  EXPECT_EQ(o[1], -3);
  EXPECT_EQ(o[2], -5);
  EXPECT_EQ(o[3], -7);
  pbit_fw_copy_offsets(2, 3.0, o);
  EXPECT_EQ(o[0], -2); // -1.5 rounds away from zero
  EXPECT_EQ(o[1], -5); // -4.5
}

TEST(HalModel, LayerStepMatchesArithmetic) {
  pbit_dp_params_t p;
  pbit_device_t d;
  ASSERT_TRUE(haltest::LoadAccel("small", &p));
  ASSERT_TRUE(haltest::LoadDevice("smtj-fast", &d));
  std::mt19937_64 rng(3);
  Layer l = haltest::RandomLayer(p, 37, 21, 3, 25, rng);
  std::vector<std::vector<uint8_t>> xs = {haltest::RandomInput(37, 0.4, rng),
                                          haltest::RandomInput(37, 0.6, rng)};
  std::vector<std::vector<int32_t>> ds = {haltest::RandomDelta(p, 21, rng),
                                          haltest::RandomDelta(p, 21, rng)};
  Result r;
  ASSERT_EQ(haltest::Run("model", p, d, 1, 0.1, l, xs, ds, &r), "");
  std::vector<int64_t> w(l.w.begin(), l.w.end()), b(l.b.begin(), l.b.end());
  for (size_t s = 0; s < xs.size(); s++) {
    for (uint32_t j = 0; j < l.n_out; j++) {
      int64_t a = b[j];
      for (uint32_t i = 0; i < l.n_in; i++)
        if (xs[s][i])
          a += w[i * l.n_out + j];
      EXPECT_EQ(r.acc[s * l.n_out + j], a); // small weights: no saturation
      int64_t rnd = l.dac_shift ? (int64_t{1} << (l.dac_shift - 1)) : 0;
      int64_t code = (a + rnd) >> l.dac_shift;
      int64_t cmax = (1 << (p.dac_bits - 1)) - 1;
      code = code > cmax ? cmax : code < -cmax - 1 ? -cmax - 1 : code;
      EXPECT_EQ(r.dac[s * l.n_out + j], code);
      EXPECT_LE(r.counts[s * l.n_out + j], l.copies * l.samples);
    }
    for (uint32_t i = 0; i < l.n_in; i++)
      if (xs[s][i])
        for (uint32_t j = 0; j < l.n_out; j++)
          w[i * l.n_out + j] += ds[s][j];
    for (uint32_t j = 0; j < l.n_out; j++)
      b[j] += ds[s][j];
  }
  EXPECT_EQ(std::vector<int64_t>(r.w.begin(), r.w.end()), w);
  EXPECT_EQ(std::vector<int64_t>(r.b.begin(), r.b.end()), b);
  // p-bit bookkeeping: every read counted, time in one clock.
  EXPECT_EQ(r.pc.samples, uint64_t{2} * l.samples * l.n_out * l.copies);
  EXPECT_EQ(r.pc.cycles, r.now);
  EXPECT_EQ(r.pc.dac_chunks, 2u * ((l.n_out + p.lanes - 1) / p.lanes));
  EXPECT_EQ(r.dp_counters[PBIT_DP_CNT_DAC_CODES], 2u * l.n_out);
}

TEST(HalModel, SameSeedSameRunOtherSeedOtherStates) {
  pbit_dp_params_t p;
  pbit_device_t d;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("smtj-slow", &d));
  std::mt19937_64 rng(4);
  Layer l = haltest::RandomLayer(p, 20, 9, 2, 200, rng);
  std::vector<std::vector<uint8_t>> xs = {haltest::RandomInput(20, 0.5, rng)};
  Result a, b, c;
  ASSERT_EQ(haltest::Run("model", p, d, 8, 0.25, l, xs, {}, &a), "");
  ASSERT_EQ(haltest::Run("model", p, d, 8, 0.25, l, xs, {}, &b), "");
  ASSERT_EQ(haltest::Run("model", p, d, 9, 0.25, l, xs, {}, &c), "");
  EXPECT_EQ(a.states, b.states);
  EXPECT_EQ(a.pc.flips, b.pc.flips);
  EXPECT_NE(a.states, c.states);
  EXPECT_EQ(a.acc, c.acc);
  EXPECT_EQ(a.upd_cycles, std::vector<uint64_t>{0}); // no delta: no UPDATE
}

// ---- simulator state (hal_sim.h): two tiles, each with a layer; steps on
// both (tile switches, FORWARD with DAC chunks, UPDATE, p-bit samples).
struct Chip {
  pbit_hal_t *h = nullptr;
  pbit_error_t err{};
  std::vector<Layer> layers;
  ~Chip() { pbit_hal_close(h); }
  std::string Open(const pbit_hal_config_t &c, const std::vector<Layer> &ls) {
    layers = ls;
    if (pbit_hal_open(&c, &h, &err) != PBIT_OK) return err.msg;
    for (uint32_t t = 0; t < layers.size(); t++) {
      pbit_fw_layer_t lv = layers[t].View();
      if (pbit_hal_select(h, t) != PBIT_HAL_OK || pbit_fw_layer_load(h, &lv) != PBIT_HAL_OK)
        return pbit_hal_error(h);
    }
    return "";
  }
  // `steps` presentations alternating over the tiles; every observable.
  std::vector<int64_t> Steps(int steps, std::mt19937_64 &rng, const pbit_dp_params_t &p) {
    std::vector<int64_t> seen;
    for (int s = 0; s < steps; s++) {
      uint32_t t = static_cast<uint32_t>(s) % layers.size();
      Layer &l = layers[t];
      pbit_fw_layer_t lv = l.View();
      std::vector<uint8_t> x = haltest::RandomInput(l.n_in, 0.4, rng);
      std::vector<int32_t> d = haltest::RandomDelta(p, l.n_out, rng);
      std::vector<int64_t> acc(l.n_out);
      std::vector<uint8_t> st(static_cast<size_t>(l.samples) * l.n_out * l.copies);
      pbit_fw_step_out_t o{};
      o.acc = acc.data();
      o.states = st.data();
      EXPECT_EQ(pbit_hal_select(h, t), PBIT_HAL_OK);
      EXPECT_EQ(pbit_fw_layer_step(h, &lv, x.data(), s % 3 ? d.data() : nullptr, &o), PBIT_HAL_OK)
          << pbit_hal_error(h);
      seen.insert(seen.end(), acc.begin(), acc.end());
      seen.insert(seen.end(), st.begin(), st.end());
      seen.push_back(static_cast<int64_t>(o.fwd_cycles));
      seen.push_back(static_cast<int64_t>(o.upd_cycles));
      seen.push_back(static_cast<int64_t>(pbit_hal_now(h)));
    }
    for (uint32_t t = 0; t < layers.size(); t++) {
      uint64_t c[PBIT_DP_NUM_COUNTERS];
      pbit_hal_pbit_counters_t pc{};
      EXPECT_EQ(pbit_hal_select(h, t), PBIT_HAL_OK);
      EXPECT_EQ(pbit_hal_counters(h, c), PBIT_HAL_OK);
      EXPECT_EQ(pbit_hal_pbit_counters(h, &pc), PBIT_HAL_OK);
      seen.insert(seen.end(), c, c + PBIT_DP_NUM_COUNTERS);
      for (uint64_t v : {pc.samples, pc.flips, pc.dac_writes, pc.cycles, pc.dac_chunks})
        seen.push_back(static_cast<int64_t>(v));
      std::vector<int32_t> w(static_cast<size_t>(layers[t].n_in) * layers[t].n_out);
      EXPECT_EQ(pbit_hal_read_weights(h, 0, layers[t].n_in, layers[t].n_out, w.data()),
                PBIT_HAL_OK);
      seen.insert(seen.end(), w.begin(), w.end());
    }
    seen.push_back(static_cast<int64_t>(pbit_hal_now(h)));
    return seen;
  }
  std::vector<uint8_t> Save() {
    size_t n = 0;
    EXPECT_EQ(pbit_hal_sim_state_size(h, &n, &err), PBIT_OK) << err.msg;
    std::vector<uint8_t> s(n);
    EXPECT_EQ(pbit_hal_sim_state_save(h, s.data(), s.size(), &err), PBIT_OK) << err.msg;
    return s;
  }
};

struct StateSetup {
  pbit_dp_params_t p{};
  pbit_device_t d{};
  pbit_hal_config_t c{};
  std::vector<Layer> layers;
  StateSetup() {
    EXPECT_TRUE(haltest::LoadAccel("tiny", &p));
    EXPECT_TRUE(haltest::LoadDevice("smtj-slow", &d));
    c = Config("model", p, d);
    c.tiles = 2;
    std::mt19937_64 rng(11);
    layers.push_back(haltest::RandomLayer(p, 20, 9, 2, 3, rng));
    layers.push_back(haltest::RandomLayer(p, 12, 6, 2, 2, rng));
  }
};

TEST(HalModel, SimStateRestoreContinuesBitForBit) {
  StateSetup su;
  Chip a;
  ASSERT_EQ(a.Open(su.c, su.layers), "");
  ASSERT_TRUE(pbit_hal_sim_state_supported(a.h));
  std::mt19937_64 warm(1);
  a.Steps(7, warm, su.p);
  std::vector<uint8_t> saved = a.Save();
  uint64_t t_saved = pbit_hal_now(a.h);
  EXPECT_EQ(a.Save(), saved);  // saving changes nothing, no clock passes
  EXPECT_EQ(pbit_hal_now(a.h), t_saved);
  std::mt19937_64 r1(2);
  std::vector<int64_t> first = a.Steps(9, r1, su.p);
  // A second chip, after other work of its own, restored: the same future.
  Chip b;
  ASSERT_EQ(b.Open(su.c, su.layers), "");
  std::mt19937_64 other(3);
  b.Steps(4, other, su.p);
  ASSERT_EQ(pbit_hal_sim_state_restore(b.h, saved.data(), saved.size(), &b.err), PBIT_OK)
      << b.err.msg;
  EXPECT_EQ(pbit_hal_now(b.h), t_saved);
  EXPECT_EQ(b.Save(), saved);
  std::mt19937_64 r2(2);
  EXPECT_EQ(b.Steps(9, r2, su.p), first);
  // Without the restore the p-bits and the clock differ.
  Chip c;
  ASSERT_EQ(c.Open(su.c, su.layers), "");
  std::mt19937_64 r3(2);
  EXPECT_NE(c.Steps(9, r3, su.p), first);
}

TEST(HalModel, SimStateRefusesAnotherConfiguration) {
  StateSetup su;
  Chip a;
  ASSERT_EQ(a.Open(su.c, su.layers), "");
  std::mt19937_64 warm(1);
  a.Steps(3, warm, su.p);
  std::vector<uint8_t> saved = a.Save();
  struct Case {
    const char *what;
    pbit_hal_config_t c;
  };
  std::vector<Case> cases;
  pbit_hal_config_t c = su.c;
  c.seed = 6;
  cases.push_back({"seed", c});
  c = su.c;
  ASSERT_TRUE(haltest::LoadDevice("smtj-fast", &c.device));
  cases.push_back({"smtj-slow", c});
  c = su.c;
  ASSERT_TRUE(haltest::LoadAccel("small", &c.accel));
  cases.push_back({"accel 'tiny'", c});
  c = su.c;
  c.tiles = 3;
  cases.push_back({"tiles", c});
  c = su.c;
  c.input_lsb = 0.5;
  cases.push_back({"input_lsb", c});
  c = su.c;
  c.dt_ns = 1.5;
  cases.push_back({"clock", c});
  for (const Case &k : cases) {
    SCOPED_TRACE(k.what);
    Chip b;
    ASSERT_EQ(b.Open(k.c, su.layers), "");
    std::vector<uint8_t> before = b.Save();
    EXPECT_EQ(pbit_hal_sim_state_restore(b.h, saved.data(), saved.size(), &b.err), PBIT_ERR_CONFIG);
    EXPECT_NE(std::string(b.err.msg).find(k.what), std::string::npos) << b.err.msg;
    EXPECT_EQ(b.Save(), before);
  }
  // Damage: a short or altered state is refused as data.
  Chip b;
  ASSERT_EQ(b.Open(su.c, su.layers), "");
  EXPECT_EQ(pbit_hal_sim_state_restore(b.h, saved.data(), saved.size() - 1, &b.err), PBIT_ERR_DATA);
  std::vector<uint8_t> bad = saved;
  bad[0] ^= 0x40;
  EXPECT_EQ(pbit_hal_sim_state_restore(b.h, bad.data(), bad.size(), &b.err), PBIT_ERR_DATA);
  bad = saved;
  memcpy(bad.data() + 16, "rtl", 4);  // the backend's name
  EXPECT_EQ(pbit_hal_sim_state_restore(b.h, bad.data(), bad.size(), &b.err), PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(b.err.msg).find("rtl backend"), std::string::npos) << b.err.msg;
  // Arguments.
  size_t n = 0;
  EXPECT_EQ(pbit_hal_sim_state_size(nullptr, &n, &b.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_hal_sim_state_size(b.h, nullptr, &b.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_hal_sim_state_save(b.h, nullptr, 0, &b.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_hal_sim_state_save(b.h, bad.data(), bad.size() - 1, &b.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_hal_sim_state_restore(nullptr, bad.data(), bad.size(), &b.err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_hal_sim_state_restore(b.h, nullptr, 0, &b.err), PBIT_ERR_ARG);
  EXPECT_FALSE(pbit_hal_sim_state_supported(nullptr));
}

} // namespace
