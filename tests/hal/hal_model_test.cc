// The firmware HAL on the `model` backend (the `rtl` one is compared to it
// in tests/dp/rtl_cosim_test.cc): opening, arguments, the firmware layer
// step against plain arithmetic, determinism by seed, the clock convention.
#include <gtest/gtest.h>

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

} // namespace
