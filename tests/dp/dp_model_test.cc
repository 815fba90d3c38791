// The C model of the datapath (sim/dp/dp_model.c) against docs/datapath.md:
// arithmetic (saturation, rounding, masking), the cycle formulas (the VECTOR
// recurrence against a cycle-by-cycle simulation of the documented
// schedule), counters, every error flag, bad arguments, and the direct calls
// against the register path. Seeds are fixed and printed on failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "dp/dp_driver.h"
#include "dp/dp_model.h"
}

namespace {

pbit_dp_params_t Params(int lanes = 4, int wb = 8, int ab = 12, int db = 6, int sb = 8, int fd = 4,
                        int mi = 64, int mu = 16) {
  pbit_dp_params_t p{};
  snprintf(p.name, sizeof(p.name), "test");
  p.lanes = lanes;
  p.weight_bits = wb;
  p.acc_bits = ab;
  p.dac_bits = db;
  p.scan_bits = sb;
  p.fifo_depth = fd;
  p.max_inputs = mi;
  p.max_units = mu;
  p.clock_ns = 1.0;
  return p;
}

class Dp {
 public:
  explicit Dp(const pbit_dp_params_t &p) : p_(p) {
    pbit_error_t err;
    EXPECT_EQ(pbit_dp_create(&p, &dp_, &err), PBIT_OK) << err.msg;
  }
  ~Dp() { pbit_dp_destroy(dp_); }
  Dp(const Dp &) = delete;
  Dp &operator=(const Dp &) = delete;
  pbit_dp_t *get() { return dp_; }
  void W(uint32_t a, uint32_t v) { ASSERT_EQ(pbit_dp_reg_write(dp_, a, v), PBIT_OK); }
  uint32_t R(uint32_t a) {
    uint32_t v = 0;
    EXPECT_EQ(pbit_dp_reg_read(dp_, a, &v), PBIT_OK);
    return v;
  }
  uint64_t Cnt(int k) {
    pbit_dp_counters_t c;
    pbit_dp_get_counters(dp_, &c);
    return c.v[k];
  }
  std::vector<int64_t> Read(uint32_t sel, uint32_t row, uint32_t col, size_t n) {
    std::vector<int64_t> v(n);
    EXPECT_EQ(pbit_dp_win_read(dp_, sel, row, col, v.data(), n), PBIT_OK);
    return v;
  }
  void Write(uint32_t sel, uint32_t row, uint32_t col, const std::vector<int32_t> &v) {
    EXPECT_EQ(pbit_dp_win_write(dp_, sel, row, col, v.data(), v.size()), PBIT_OK);
  }
  const pbit_dp_params_t &p() const { return p_; }

 private:
  pbit_dp_params_t p_;
  pbit_dp_t *dp_ = nullptr;
};

int64_t Sat(int64_t v, int bits, int *clamps) {
  int64_t hi = (int64_t{1} << (bits - 1)) - 1, lo = -(int64_t{1} << (bits - 1));
  if (v > hi || v < lo) ++*clamps;
  return v > hi ? hi : v < lo ? lo : v;
}

// Floor shift and DAC code, written out independently of the model.
int64_t Dac(int64_t acc, int shift, int ab, int db, int *clamps) {
  int64_t r = shift > 0 && shift <= ab ? (int64_t{1} << (shift - 1)) : 0;
  int64_t x = acc + r;
  int64_t q = x >= 0 ? x >> shift : -((-x + (int64_t{1} << shift) - 1) >> shift);
  return Sat(q, db, clamps);
}

// ----------------------------------------------------------------- basics

TEST(DpModel, CreateDestroyAndBadArguments) {
  pbit_error_t err;
  pbit_dp_t *dp = nullptr;
  pbit_dp_params_t p = Params();
  EXPECT_EQ(pbit_dp_create(nullptr, &dp, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_create(&p, nullptr, &err), PBIT_ERR_ARG);
  pbit_dp_params_t bad = p;
  bad.lanes = 0;
  EXPECT_EQ(pbit_dp_create(&bad, &dp, &err), PBIT_ERR_ARG);
  EXPECT_EQ(dp, nullptr);
  EXPECT_NE(std::string(err.msg).find("lanes"), std::string::npos) << err.msg;
  pbit_dp_destroy(nullptr);
  pbit_dp_reset(nullptr);
  EXPECT_EQ(pbit_dp_get_params(nullptr), nullptr);

  Dp d(p);
  uint32_t v = 0;
  uint32_t idx = 0;
  int32_t x = 0;
  int64_t y = 0;
  EXPECT_EQ(pbit_dp_reg_write(nullptr, 0x10, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_reg_write(d.get(), 0x100, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_reg_read(nullptr, 0x10, &v), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_reg_read(d.get(), 0x10, nullptr), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_reg_read(d.get(), 0x1000, &v), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_set_geometry(nullptr, 1, 1, 0), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_win_write(nullptr, 0, 0, 0, &x, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_win_write(d.get(), 0, 0, 0, nullptr, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_win_read(nullptr, 0, 0, 0, &y, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_win_read(d.get(), 0, 0, 0, nullptr, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_push(nullptr, &idx, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_push(d.get(), nullptr, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_start(nullptr, 0), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_run(nullptr, 0, &idx, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_run(d.get(), 0, nullptr, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_dac_codes(nullptr, &x, 1), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_dac_codes(d.get(), &x, 17), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_errors(nullptr), 0u);
  pbit_dp_get_counters(nullptr, nullptr);
  // Zero-length calls with NULL data are fine and change nothing.
  EXPECT_EQ(pbit_dp_win_write(d.get(), 0, 0, 0, nullptr, 0), PBIT_OK);
  EXPECT_EQ(pbit_dp_push(d.get(), nullptr, 0), PBIT_OK);
  EXPECT_EQ(pbit_dp_errors(d.get()), 0u);
  EXPECT_EQ(pbit_dp_counter_name(0), std::string("cycles"));
  EXPECT_EQ(pbit_dp_counter_name(7), std::string("dac_codes"));
  EXPECT_EQ(pbit_dp_counter_name(8), nullptr);
  EXPECT_EQ(pbit_dp_counter_name(-1), nullptr);
}

TEST(DpModel, ResetStateAndParameterRegisters) {
  pbit_dp_params_t p = Params(16, 16, 24, 8, 32, 16, 1024, 1000);
  Dp d(p);
  EXPECT_EQ(d.R(PBIT_DP_REG_ID), PBIT_DP_ID_VALUE);
  EXPECT_EQ(d.R(PBIT_DP_REG_VERSION), PBIT_DP_VERSION_VALUE);
  const uint32_t want[8] = {16, 16, 24, 8, 32, 16, 1024, 1000};
  for (uint32_t k = 0; k < 8; k++) EXPECT_EQ(d.R(PBIT_DP_REG_LANES + k), want[k]) << k;
  EXPECT_EQ(d.R(PBIT_DP_REG_STATUS), PBIT_DP_STATUS_FIFO_EMPTY);
  EXPECT_EQ(d.R(PBIT_DP_REG_ERR), 0u);
  EXPECT_EQ(d.R(PBIT_DP_REG_N_IN), 0u);
  EXPECT_EQ(pbit_dp_get_params(d.get())->lanes, 16);
  pbit_dp_bus_t bus = pbit_dp_model_bus(d.get());
  pbit_error_t err;
  EXPECT_EQ(pbit_dp_drv_check(&bus, &p, &err), PBIT_OK) << err.msg;
  pbit_dp_params_t other = p;
  other.fifo_depth = 32;
  EXPECT_EQ(pbit_dp_drv_check(&bus, &other, &err), PBIT_ERR_RUNTIME);
  EXPECT_NE(std::string(err.msg).find("FIFO_DEPTH"), std::string::npos) << err.msg;
  // Write-only registers read 0; read-only ones reject writes.
  EXPECT_EQ(d.R(PBIT_DP_REG_IDX_PUSH), 0u);
  EXPECT_EQ(d.R(PBIT_DP_REG_ERR), 0u);
  d.W(PBIT_DP_REG_LANES, 5);
  EXPECT_EQ(d.R(PBIT_DP_REG_ERR), PBIT_DP_ERR_BAD_ADDR);
  EXPECT_EQ(d.R(PBIT_DP_REG_LANES), 16u);
}

// ----------------------------------------------------------------- arithmetic

TEST(DpModel, ForwardSaturatesStickyAndCountsClamps) {
  Dp d(Params());  // 8-bit weights, 12-bit accumulators: [-2048, 2047]
  pbit_dp_set_geometry(d.get(), 3, 2, 0);
  d.Write(PBIT_DP_WIN_WEIGHT, 0, 0, {127, -128});
  d.Write(PBIT_DP_WIN_WEIGHT, 1, 0, {-100, 100});
  d.Write(PBIT_DP_WIN_WEIGHT, 2, 0, {1, -1});
  d.Write(PBIT_DP_WIN_BIAS, 0, 0, {0, 0});
  // 17 x row 0: 17*127 = 2159 clamps at 2047 (the 17th add), and
  // 17*-128 = -2176 clamps at -2048 (the 17th add): 2 clamps. Then row 1
  // pulls back from the clamped values (saturation is sticky).
  std::vector<uint32_t> idx(17, 0);
  idx.push_back(1);
  ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, idx.data(), idx.size()),
            PBIT_OK);
  EXPECT_EQ(d.Read(PBIT_DP_WIN_ACC, 0, 0, 2), (std::vector<int64_t>{2047 - 100, -2048 + 100}));
  EXPECT_EQ(d.Cnt(PBIT_DP_CNT_SATURATIONS), 2u + 2u);  // + the two DAC codes (6 bits)
  EXPECT_EQ(d.Cnt(PBIT_DP_CNT_INDICES), 18u);
  EXPECT_EQ(d.Cnt(PBIT_DP_CNT_LANE_ADDS), 19u * 2);
  // Without CLEAR the accumulators carry on.
  ASSERT_EQ(pbit_dp_run(d.get(), 0, idx.data() + 17, 1), PBIT_OK);
  EXPECT_EQ(d.Read(PBIT_DP_WIN_ACC, 0, 0, 2), (std::vector<int64_t>{2047 - 200, -2048 + 200}));
}

// SAVE keeps the sums of the indices (before the bias); RESTORE starts a
// FORWARD from them. One shared part, then one tail per pass: the same
// accumulators and codes as the whole list, for C extra cycles each.
TEST(DpModel, SaveAndRestoreShareAPartialSum) {
  Dp d(Params(4, 8, 12, 6, 8, 4, 8, 8));   // 4 lanes, FIFO depth 4
  pbit_dp_set_geometry(d.get(), 6, 6, 2);  // C = 2 chunks
  for (uint32_t i = 0; i < 6; i++) {
    std::vector<int32_t> row(6);
    for (int j = 0; j < 6; j++) row[j] = static_cast<int32_t>(i * 7 + j * 3) - 20;
    d.Write(PBIT_DP_WIN_WEIGHT, i, 0, row);
  }
  d.Write(PBIT_DP_WIN_BIAS, 0, 0, {5, -5, 1, 2, 3, 4});
  const std::vector<uint32_t> shared = {0, 1, 2, 3, 0};  // two FIFO pieces
  for (uint32_t tail = 4; tail < 6; tail++) {
    std::vector<uint32_t> whole = shared;
    whole.push_back(tail);
    ASSERT_EQ(
        pbit_dp_run(d.get(), PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, whole.data(), whole.size()),
        PBIT_OK);
    std::vector<int64_t> want = d.Read(PBIT_DP_WIN_ACC, 0, 0, 6);
    std::vector<int64_t> want_dac = d.Read(PBIT_DP_WIN_DAC, 0, 0, 6);
    d.W(PBIT_DP_REG_CNT_CLEAR, 0);
    ASSERT_EQ(
        pbit_dp_run(d.get(), PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_SAVE, shared.data(), shared.size()),
        PBIT_OK);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_CYCLES), (2u + 4 * 2) + (2u + 1 * 2 + 2));  // SAVE: + C
    // Something else in between: the accumulators move, the saved bank not.
    ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, whole.data(), 2),
              PBIT_OK);
    d.W(PBIT_DP_REG_CNT_CLEAR, 0);
    ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_RESTORE | PBIT_DP_CTRL_FINISH, &tail, 1), PBIT_OK);
    EXPECT_EQ(d.Read(PBIT_DP_WIN_ACC, 0, 0, 6), want) << "tail " << tail;
    EXPECT_EQ(d.Read(PBIT_DP_WIN_DAC, 0, 0, 6), want_dac);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_CYCLES), 2u + 2 + 1 * 2 + 2 * 2);  // RESTORE: + C
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_SRAM_READS), (1u + 1) * 2);        // the tail and the bias
  }
  // RESTORE of an empty list: the saved sums plus the bias.
  ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_RESTORE, nullptr, 0), PBIT_OK);
  std::vector<int64_t> base = d.Read(PBIT_DP_WIN_ACC, 0, 0, 6);
  ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_CLEAR, shared.data(), shared.size()), PBIT_OK);
  EXPECT_EQ(d.Read(PBIT_DP_WIN_ACC, 0, 0, 6), base);
  // A SAVE with fewer units leaves the other chunks of the bank at 0, and
  // UPDATE ignores both bits.
  pbit_dp_set_geometry(d.get(), 6, 3, 2);
  ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_SAVE | PBIT_DP_CTRL_RESTORE,
                        nullptr, 0),
            PBIT_OK);
  ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_SAVE, shared.data(), 1),
            PBIT_OK);
  pbit_dp_set_geometry(d.get(), 6, 6, 2);
  ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_RESTORE, nullptr, 0), PBIT_OK);
  std::vector<int64_t> got = d.Read(PBIT_DP_WIN_ACC, 0, 0, 6);
  EXPECT_EQ(got[4], 0);
  EXPECT_EQ(got[5], 0);
  EXPECT_EQ(got[0], -20);  // row 0, lane 0
  // CTRL reads the bits back.
  d.W(PBIT_DP_REG_CTRL, PBIT_DP_CTRL_SAVE | PBIT_DP_CTRL_RESTORE);
  EXPECT_EQ(d.R(PBIT_DP_REG_CTRL), PBIT_DP_CTRL_SAVE | PBIT_DP_CTRL_RESTORE);
}

TEST(DpModel, BiasAndDacRoundHalfUpAndClamp) {
  Dp d(Params());  // DAC 6 bits: [-32, 31]
  const int64_t accs[] = {6, 5, -6, -7, -8, 2, -2, 0, 129, -130, 2047, -2048, 1};
  int n = sizeof(accs) / sizeof(accs[0]);
  for (int shift : {0, 1, 2, 3, 5, 11}) {
    SCOPED_TRACE("shift " + std::to_string(shift));
    // acc = bias only (empty index list).
    for (int k = 0; k < n; k++) {
      pbit_dp_set_geometry(d.get(), 1, 1, shift);
      d.Write(PBIT_DP_WIN_BIAS, 0, 0, {0});
      // Build the accumulator from weights of at most 8 bits.
      int64_t want = accs[k];
      std::vector<uint32_t> idx;
      int64_t step = want > 0 ? 127 : -128;
      int64_t rest = want;
      while (rest > 127 || rest < -128) {
        idx.push_back(0);
        rest -= step;
      }
      d.Write(PBIT_DP_WIN_WEIGHT, 0, 0, {static_cast<int32_t>(step)});
      d.Write(PBIT_DP_WIN_BIAS, 0, 0, {static_cast<int32_t>(rest)});
      uint64_t sat0 = d.Cnt(PBIT_DP_CNT_SATURATIONS);
      ASSERT_EQ(
          pbit_dp_run(d.get(), PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, idx.data(), idx.size()),
          PBIT_OK);
      ASSERT_EQ(d.Read(PBIT_DP_WIN_ACC, 0, 0, 1)[0], want);
      int clamps = 0;
      int64_t code = Dac(want, shift, 12, 6, &clamps);
      int32_t port = 0;
      pbit_dp_dac_codes(d.get(), &port, 1);
      EXPECT_EQ(port, code) << "acc " << want;
      EXPECT_EQ(d.Read(PBIT_DP_WIN_DAC, 0, 0, 1)[0], code) << "acc " << want;
      EXPECT_EQ(d.Cnt(PBIT_DP_CNT_SATURATIONS) - sat0, static_cast<uint64_t>(clamps));
    }
  }
  // The round-half-up cases spelled out (shift 2): 6 -> 2, 5 -> 1, -6 -> -1, -7 -> -2.
  int c = 0;
  EXPECT_EQ(Dac(6, 2, 12, 6, &c), 2);
  EXPECT_EQ(Dac(5, 2, 12, 6, &c), 1);
  EXPECT_EQ(Dac(-6, 2, 12, 6, &c), -1);
  EXPECT_EQ(Dac(-7, 2, 12, 6, &c), -2);
}

TEST(DpModel, UpdateSaturatesMasksLanesAndUpdatesBias) {
  Dp d(Params());                          // 4 lanes, 8-bit weights
  pbit_dp_set_geometry(d.get(), 2, 6, 0);  // 2 chunks, 2 lanes used in the last
  d.Write(PBIT_DP_WIN_WEIGHT, 0, 0, {100, -100, 5, 0, 127, -128});
  d.Write(PBIT_DP_WIN_WEIGHT, 1, 0, {1, 2, 3, 4, 5, 6});
  d.Write(PBIT_DP_WIN_BIAS, 0, 0, {120, 0, 0, 0, 0, -120});
  d.Write(PBIT_DP_WIN_DELTA, 0, 0, {20, -20, -5, 0, 1, -1});
  // Lane 6, 7 of chunk 1 (beyond n_out) hold values from a wider geometry.
  pbit_dp_set_geometry(d.get(), 2, 8, 0);
  d.Write(PBIT_DP_WIN_WEIGHT, 0, 6, {33, 44});
  d.Write(PBIT_DP_WIN_DELTA, 0, 6, {50, 50});
  pbit_dp_set_geometry(d.get(), 2, 6, 0);
  const uint32_t idx[] = {0, 0};
  ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH, idx, 2), PBIT_OK);
  EXPECT_EQ(d.Read(PBIT_DP_WIN_WEIGHT, 0, 0, 6),
            (std::vector<int64_t>{127, -128, -5, 0, 127, -128}));
  EXPECT_EQ(d.Read(PBIT_DP_WIN_WEIGHT, 1, 0, 6), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(d.Read(PBIT_DP_WIN_BIAS, 0, 0, 6), (std::vector<int64_t>{127, -20, -5, 0, 1, -121}));
  // clamps: row 0 twice (lanes 0, 1 on the 2nd update; lanes 4, 5 on the
  // 1st and 2nd), bias lane 0.
  EXPECT_EQ(d.Cnt(PBIT_DP_CNT_SATURATIONS), 2u + 4u + 1u);
  EXPECT_EQ(d.Cnt(PBIT_DP_CNT_SRAM_WRITES), 3u * 2);  // 2 rows + bias, 2 words each
  EXPECT_EQ(d.Cnt(PBIT_DP_CNT_LANE_ADDS), 3u * 6);
  pbit_dp_set_geometry(d.get(), 2, 8, 0);
  EXPECT_EQ(d.Read(PBIT_DP_WIN_WEIGHT, 0, 6, 2), (std::vector<int64_t>{33, 44}));  // untouched
}

TEST(DpModel, WindowTruncatesAndSignExtends) {
  Dp d(Params(4, 16, 40, 8, 8, 4, 8, 8));  // 16-bit weights, 40-bit accumulators
  pbit_dp_set_geometry(d.get(), 2, 4, 0);
  d.Write(PBIT_DP_WIN_WEIGHT, 1, 0, {0x1ffff, 0x8000, 0x7fff, -1});
  EXPECT_EQ(d.Read(PBIT_DP_WIN_WEIGHT, 1, 0, 4), (std::vector<int64_t>{-1, -32768, 32767, -1}));
  EXPECT_EQ(d.R(PBIT_DP_REG_WIN_COL), 4u);  // auto-increment
  // A 40-bit accumulator: WIN_DATA_HI carries bits 63:32.
  std::vector<uint32_t> idx(200, 1);
  d.Write(PBIT_DP_WIN_WEIGHT, 1, 0, {-32768, 32767, 0, 0});
  d.Write(PBIT_DP_WIN_BIAS, 0, 0, {0, 0, 0, 0});
  for (int rep = 0; rep < 1000; rep++)
    ASSERT_EQ(pbit_dp_run(d.get(), rep == 0 ? PBIT_DP_CTRL_CLEAR : 0, idx.data(), idx.size()),
              PBIT_OK);
  std::vector<int64_t> a = d.Read(PBIT_DP_WIN_ACC, 0, 0, 2);
  EXPECT_EQ(a[0], -32768LL * 200000);
  EXPECT_EQ(a[1], 32767LL * 200000);
  d.W(PBIT_DP_REG_WIN_SEL, PBIT_DP_WIN_ACC);
  d.W(PBIT_DP_REG_WIN_COL, 0);
  uint32_t lo = d.R(PBIT_DP_REG_WIN_DATA), hi = d.R(PBIT_DP_REG_WIN_DATA_HI);
  EXPECT_EQ(static_cast<int64_t>((static_cast<uint64_t>(hi) << 32) | lo), -32768LL * 200000);
  // The input window stores bit 0.
  d.Write(PBIT_DP_WIN_INPUT, 0, 0, {3, 2});
  EXPECT_EQ(d.Read(PBIT_DP_WIN_INPUT, 0, 0, 2), (std::vector<int64_t>{1, 0}));
}

// ----------------------------------------------------------------- timing

TEST(DpModel, FifoCycleFormulas) {
  Dp d(Params(4, 8, 12, 6, 8, 4, 64, 16));
  std::mt19937_64 g(5);
  for (int t = 0; t < 200; t++) {
    uint32_t n_out = 1 + g() % 16, n = g() % 5;
    uint64_t c = (n_out + 3) / 4;
    uint32_t ctrl = (g() & 1 ? PBIT_DP_CTRL_UPDATE : 0) | (g() & 1 ? PBIT_DP_CTRL_FINISH : 0) |
                    (g() & 1 ? PBIT_DP_CTRL_CLEAR : 0);
    SCOPED_TRACE("trial " + std::to_string(t));
    pbit_dp_set_geometry(d.get(), 64, n_out, 0);
    std::vector<uint32_t> idx(n);
    for (auto &i : idx) i = g() % 64;
    d.W(PBIT_DP_REG_CNT_CLEAR, 0);
    ASSERT_EQ(pbit_dp_push(d.get(), idx.data(), n), PBIT_OK);
    ASSERT_EQ(pbit_dp_start(d.get(), ctrl), PBIT_OK);
    bool upd = ctrl & PBIT_DP_CTRL_UPDATE, fin = ctrl & PBIT_DP_CTRL_FINISH;
    uint64_t tail = fin ? (upd ? c : 2 * c) : 0;
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_CYCLES), 2 + n * c + tail);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_STALL_CYCLES), 0u);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_SRAM_READS), (n + fin) * c);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_SRAM_WRITES), upd ? (n + fin) * c : 0);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_LANE_ADDS), (n + fin) * n_out);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_DAC_CODES), (!upd && fin) ? n_out : 0);
    EXPECT_EQ(d.R(PBIT_DP_REG_STATUS) & PBIT_DP_STATUS_DONE, PBIT_DP_STATUS_DONE);
    EXPECT_EQ(d.R(PBIT_DP_REG_IDX_LEVEL), 0u);
  }
}

// The VECTOR source, simulated cycle by cycle exactly as docs/datapath.md
// describes the generator, the FIFO and the engine: returns RUN cycles.
uint64_t SimulateVectorRun(const std::vector<int> &bits, int sb, int fd, int c, uint64_t *blocked) {
  int n_in = static_cast<int>(bits.size());
  int words = (n_in + sb - 1) / sb;
  std::deque<int> fifo;
  uint64_t win = 0;  // remaining bits of the loaded window (sb <= 64 here)
  int wptr = 0;      // words loaded
  int chunk = 0;     // engine: chunks left of the current index
  for (uint64_t t = 1;; t++) {
    // State at the start of the cycle.
    bool gen_done = win == 0 && wptr == words;
    bool fifo_full = static_cast<int>(fifo.size()) == fd;
    bool fifo_empty = fifo.empty();
    // Engine.
    bool pop = false;
    if (chunk > 0) {
      chunk--;
    } else if (!fifo_empty) {
      pop = true;
      chunk = c - 1;
    } else if (gen_done) {
      return t - 1;  // this cycle already belongs to the next phase
    }
    // Generator.
    int push = -1;
    if (win != 0) {
      if (fifo_full) ++*blocked;
      if (!fifo_full) {
        int b = __builtin_ctzll(win);
        push = (wptr - 1) * sb + b;
        win &= win - 1;
      }
    } else if (wptr < words) {
      win = 0;
      for (int b = 0; b < sb && wptr * sb + b < n_in; b++)
        if (bits[wptr * sb + b]) win |= uint64_t{1} << b;
      wptr++;
    }
    // End of the cycle.
    if (pop) fifo.pop_front();
    if (push >= 0) fifo.push_back(push);
  }
}

TEST(DpModel, VectorRecurrenceMatchesCycleSimulation) {
  std::mt19937_64 g(11);
  uint64_t blocked = 0, stalls = 0;
  for (int t = 0; t < 600; t++) {
    int sb = 1 + static_cast<int>(g() % 64), fd = 2 << (g() % 4),
        lanes = 1 + static_cast<int>(g() % 8);
    int mi = 1 + static_cast<int>(g() % 200), mu = 1 + static_cast<int>(g() % 40);
    pbit_dp_params_t p = Params(lanes, 8, 12, 6, sb, fd, mi, mu);
    SCOPED_TRACE("trial " + std::to_string(t) + " sb " + std::to_string(sb) + " fd " +
                 std::to_string(fd) + " lanes " + std::to_string(lanes));
    Dp d(p);
    int n_in = 1 + static_cast<int>(g() % mi), n_out = 1 + static_cast<int>(g() % mu);
    int c = (n_out + lanes - 1) / lanes;
    int density = static_cast<int>(g() % 5);
    std::vector<int> bits(n_in);
    std::vector<int32_t> b32(n_in);
    for (int i = 0; i < n_in; i++)
      b32[i] = bits[i] = density == 4 ? 1 : static_cast<int>(g() % 4) < density;
    pbit_dp_set_geometry(d.get(), n_in, n_out, 0);
    d.Write(PBIT_DP_WIN_INPUT, 0, 0, b32);
    bool fin = g() & 1;
    ASSERT_EQ(pbit_dp_start(d.get(), PBIT_DP_CTRL_VECTOR | (fin ? PBIT_DP_CTRL_FINISH : 0)),
              PBIT_OK);
    ASSERT_EQ(pbit_dp_errors(d.get()), 0u);
    uint64_t run = SimulateVectorRun(bits, sb, fd, c, &blocked);
    uint64_t ones = std::count(bits.begin(), bits.end(), 1);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_CYCLES), 2 + run + (fin ? 2 * c : 0));
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_STALL_CYCLES), run - ones * c);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_INDICES), ones);
    stalls += d.Cnt(PBIT_DP_CNT_STALL_CYCLES);
  }
  // Both limits were reached: a full FIFO stopping the generator, an empty
  // one stalling the engine.
  EXPECT_GT(blocked, 1000u);
  EXPECT_GT(stalls, 1000u);
}

// ----------------------------------------------------------------- errors

TEST(DpModel, ErrorFlagsRefuseAndWriteNothing) {
  Dp d(Params());
  pbit_dp_set_geometry(d.get(), 4, 4, 0);
  d.Write(PBIT_DP_WIN_WEIGHT, 3, 0, {1, 2, 3, 4});
  d.Write(PBIT_DP_WIN_DELTA, 0, 0, {1, 1, 1, 1});
  auto weights = [&] { return d.Read(PBIT_DP_WIN_WEIGHT, 3, 0, 4); };
  const std::vector<int64_t> w0 = weights();
  struct Case {
    const char *name;
    uint32_t flag;
    std::function<void()> act;
  };
  std::vector<Case> cases = {
      {"index >= n_in", PBIT_DP_ERR_IDX_RANGE, [&] { d.W(PBIT_DP_REG_IDX_PUSH, 4); }},
      {"index >= MAX_INPUTS", PBIT_DP_ERR_IDX_RANGE, [&] { d.W(PBIT_DP_REG_IDX_PUSH, 1000); }},
      {"n_in lowered below a queued index", PBIT_DP_ERR_IDX_RANGE,
       [&] {
         d.W(PBIT_DP_REG_IDX_PUSH, 3);
         d.W(PBIT_DP_REG_N_IN, 3);
       }},
      {"FIFO overflow", PBIT_DP_ERR_FIFO_OVERFLOW,
       [&] {
         for (int k = 0; k < 5; k++) d.W(PBIT_DP_REG_IDX_PUSH, 3);
       }},
      {"n_in = 0", PBIT_DP_ERR_BAD_GEOMETRY, [&] { d.W(PBIT_DP_REG_N_IN, 0); }},
      {"n_in > MAX_INPUTS", PBIT_DP_ERR_BAD_GEOMETRY, [&] { d.W(PBIT_DP_REG_N_IN, 65); }},
      {"n_out = 0", PBIT_DP_ERR_BAD_GEOMETRY, [&] { d.W(PBIT_DP_REG_N_OUT, 0); }},
      {"n_out > MAX_UNITS", PBIT_DP_ERR_BAD_GEOMETRY, [&] { d.W(PBIT_DP_REG_N_OUT, 17); }},
      {"DAC_SHIFT >= ACC_BITS", PBIT_DP_ERR_BAD_CTRL, [&] { d.W(PBIT_DP_REG_DAC_SHIFT, 12); }},
      {"weight row >= n_in", PBIT_DP_ERR_WIN_RANGE,
       [&] { d.Write(PBIT_DP_WIN_WEIGHT, 4, 0, {9}); }},
      {"column >= n_out", PBIT_DP_ERR_WIN_RANGE, [&] { d.Write(PBIT_DP_WIN_BIAS, 0, 4, {9}); }},
      {"write to the accumulator window", PBIT_DP_ERR_BAD_ADDR,
       [&] { d.Write(PBIT_DP_WIN_ACC, 0, 0, {9}); }},
      {"window selector 6", PBIT_DP_ERR_BAD_ADDR, [&] { d.Read(6, 0, 0, 1); }},
      {"unmapped write", PBIT_DP_ERR_BAD_ADDR, [&] { d.W(0x30, 1); }},
      {"unmapped read", PBIT_DP_ERR_BAD_ADDR, [&] { d.R(0x99); }},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    d.W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
    d.W(PBIT_DP_REG_IDX_CLEAR, 0);
    pbit_dp_set_geometry(d.get(), 4, 4, 0);
    d.W(PBIT_DP_REG_CNT_CLEAR, 0);
    c.act();
    d.W(PBIT_DP_REG_IDX_PUSH, 3);
    d.W(PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH);
    EXPECT_EQ(d.R(PBIT_DP_REG_ERR) & c.flag, c.flag);
    EXPECT_EQ(d.R(PBIT_DP_REG_STATUS) & (PBIT_DP_STATUS_DONE | PBIT_DP_STATUS_ERROR),
              PBIT_DP_STATUS_DONE | PBIT_DP_STATUS_ERROR);
    EXPECT_EQ(d.Cnt(PBIT_DP_CNT_CYCLES), 0u) << "a refused operation ran";
    d.W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
    pbit_dp_set_geometry(d.get(), 4, 4, 0);
    EXPECT_EQ(weights(), w0) << "a refused operation wrote";
  }
  // VECTOR with queued indices.
  d.W(PBIT_DP_REG_IDX_CLEAR, 0);
  d.W(PBIT_DP_REG_IDX_PUSH, 1);
  d.W(PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_VECTOR);
  EXPECT_EQ(d.R(PBIT_DP_REG_ERR), PBIT_DP_ERR_BAD_CTRL);
  EXPECT_EQ(d.R(PBIT_DP_REG_IDX_LEVEL), 1u);
  // ERR is write-1-to-clear, bit by bit.
  d.W(PBIT_DP_REG_IDX_PUSH, 60);
  EXPECT_EQ(d.R(PBIT_DP_REG_ERR), PBIT_DP_ERR_BAD_CTRL | PBIT_DP_ERR_IDX_RANGE);
  d.W(PBIT_DP_REG_ERR, PBIT_DP_ERR_BAD_CTRL);
  EXPECT_EQ(d.R(PBIT_DP_REG_ERR), PBIT_DP_ERR_IDX_RANGE);
  EXPECT_EQ(pbit_dp_run(d.get(), 0, nullptr, 0), PBIT_ERR_RUNTIME);
  d.W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
  d.W(PBIT_DP_REG_IDX_CLEAR, 0);
  EXPECT_EQ(pbit_dp_run(d.get(), 0, nullptr, 0), PBIT_OK);
  EXPECT_EQ(d.Cnt(PBIT_DP_CNT_CYCLES), 2u);
  char names[64];
  pbit_dp_err_names(PBIT_DP_ERR_BAD_GEOMETRY | PBIT_DP_ERR_BAD_ADDR, names, sizeof(names));
  EXPECT_EQ(std::string(names), "BAD_GEOMETRY|BAD_ADDR");
  pbit_dp_err_names(0, names, sizeof(names));
  EXPECT_EQ(std::string(names), "none");
}

// ----------------------------------------------------------------- fast paths

// A naive model of FORWARD/UPDATE on one layer, for the fast paths (no
// bounds, no vectors, int64 everywhere).
struct Naive {
  int wb, ab, db, n_in, n_out;
  std::vector<int64_t> w, b, delta, acc;
  uint64_t sats = 0;
  void Forward(const std::vector<uint32_t> &idx, bool clear, bool finish, int shift) {
    if (clear) std::fill(acc.begin(), acc.end(), 0);
    int c = 0;
    for (uint32_t i : idx)
      for (int j = 0; j < n_out; j++) acc[j] = Sat(acc[j] + w[i * n_out + j], ab, &c);
    if (finish) {
      for (int j = 0; j < n_out; j++) acc[j] = Sat(acc[j] + b[j], ab, &c);
      for (int j = 0; j < n_out; j++) Dac(acc[j], shift, ab, db, &c);
    }
    sats += static_cast<uint64_t>(c);
  }
  void Update(const std::vector<uint32_t> &idx, bool finish) {
    int c = 0;
    for (uint32_t i : idx)
      for (int j = 0; j < n_out; j++) w[i * n_out + j] = Sat(w[i * n_out + j] + delta[j], wb, &c);
    if (finish)
      for (int j = 0; j < n_out; j++) b[j] = Sat(b[j] + delta[j], wb, &c);
    sats += static_cast<uint64_t>(c);
  }
};

void FastPathsAgainstNaive(const pbit_dp_params_t &p, uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " wb " + std::to_string(p.weight_bits) + " ab " +
               std::to_string(p.acc_bits));
  std::mt19937_64 g(seed);
  Dp d(p);
  Naive nv{p.weight_bits, p.acc_bits, p.dac_bits, 0, 0, {}, {}, {}, {}};
  nv.n_in = 1 + static_cast<int>(g() % p.max_inputs);
  nv.n_out = 1 + static_cast<int>(g() % p.max_units);
  int shift = static_cast<int>(g() % p.acc_bits);
  pbit_dp_set_geometry(d.get(), nv.n_in, nv.n_out, shift);
  // Magnitudes from tiny (fast path) to full scale (clamps).
  int mag = 1 + static_cast<int>(g() % (p.weight_bits - 1));
  auto rnd = [&] {
    int64_t m = (int64_t{1} << mag) - 1;
    return static_cast<int32_t>(static_cast<int64_t>(g() % (2 * m + 1)) - m);
  };
  nv.w.resize(static_cast<size_t>(nv.n_in) * nv.n_out);
  nv.b.resize(nv.n_out);
  nv.delta.resize(nv.n_out);
  nv.acc.assign(nv.n_out, 0);
  std::vector<int32_t> row(nv.n_out);
  for (int i = 0; i < nv.n_in; i++) {
    for (int j = 0; j < nv.n_out; j++) nv.w[i * nv.n_out + j] = row[j] = rnd();
    d.Write(PBIT_DP_WIN_WEIGHT, i, 0, row);
  }
  for (int j = 0; j < nv.n_out; j++) nv.b[j] = row[j] = rnd();
  d.Write(PBIT_DP_WIN_BIAS, 0, 0, row);
  d.W(PBIT_DP_REG_CNT_CLEAR, 0);
  for (int op = 0; op < 12; op++) {
    std::vector<uint32_t> idx(g() % 80);
    for (auto &i : idx) i = static_cast<uint32_t>(g() % nv.n_in);
    bool fin = g() & 1;
    if (g() % 3 == 0) {
      for (int j = 0; j < nv.n_out; j++) nv.delta[j] = row[j] = rnd();
      d.Write(PBIT_DP_WIN_DELTA, 0, 0, row);
      ASSERT_EQ(pbit_dp_run(d.get(), PBIT_DP_CTRL_UPDATE | (fin ? PBIT_DP_CTRL_FINISH : 0),
                            idx.data(), idx.size()),
                PBIT_OK);
      nv.Update(idx, fin);
      for (int i = 0; i < nv.n_in; i++) {
        std::vector<int64_t> got = d.Read(PBIT_DP_WIN_WEIGHT, i, 0, nv.n_out);
        ASSERT_TRUE(std::equal(got.begin(), got.end(), nv.w.begin() + i * nv.n_out)) << "row " << i;
      }
    } else {
      bool clr = g() & 1;
      ASSERT_EQ(
          pbit_dp_run(d.get(), (clr ? PBIT_DP_CTRL_CLEAR : 0) | (fin ? PBIT_DP_CTRL_FINISH : 0),
                      idx.data(), idx.size()),
          PBIT_OK);
      nv.Forward(idx, clr, fin, shift);
      ASSERT_EQ(d.Read(PBIT_DP_WIN_ACC, 0, 0, nv.n_out), nv.acc) << "op " << op;
    }
    ASSERT_EQ(d.Cnt(PBIT_DP_CNT_SATURATIONS), nv.sats) << "op " << op;
  }
}

TEST(DpModel, FastPathsMatchNaiveArithmetic) {
  for (uint64_t s = 0; s < 60; s++) {
    FastPathsAgainstNaive(Params(4, 8, 12, 6, 8, 4, 40, 30), 100 + s);       // int16, narrow acc
    FastPathsAgainstNaive(Params(16, 16, 24, 8, 32, 16, 60, 100), 200 + s);  // int16 at the edge
    FastPathsAgainstNaive(Params(8, 20, 31, 10, 8, 8, 30, 50), 300 + s);     // int32, narrow acc
    FastPathsAgainstNaive(Params(3, 16, 40, 12, 8, 4, 30, 20), 400 + s);     // int16, wide acc
    FastPathsAgainstNaive(Params(5, 32, 48, 24, 8, 4, 20, 20), 500 + s);     // int32, wide acc
    if (HasFatalFailure()) return;
  }
}

// ----------------------------------------------------------------- direct calls

TEST(DpModel, DirectCallsEqualTheRegisterPath) {
  pbit_dp_params_t p = Params(4, 8, 12, 6, 8, 4, 64, 16);
  std::mt19937_64 g(21);
  Dp a(p), b(p);  // a: direct calls, b: registers only
  auto regs = [&](uint32_t sel, uint32_t row, uint32_t col, const std::vector<int32_t> &v) {
    b.W(PBIT_DP_REG_WIN_SEL, sel);
    b.W(PBIT_DP_REG_WIN_ROW, row);
    b.W(PBIT_DP_REG_WIN_COL, col);
    for (int32_t x : v) b.W(PBIT_DP_REG_WIN_DATA, static_cast<uint32_t>(x));
  };
  for (int t = 0; t < 100; t++) {
    SCOPED_TRACE("trial " + std::to_string(t));
    uint32_t n_in = 1 + g() % 64, n_out = 1 + g() % 16, shift = g() % 12;
    pbit_dp_set_geometry(a.get(), n_in, n_out, shift);
    b.W(PBIT_DP_REG_N_IN, n_in);
    b.W(PBIT_DP_REG_N_OUT, n_out);
    b.W(PBIT_DP_REG_DAC_SHIFT, shift);
    // Window runs, sometimes running past the geometry (errors included).
    uint32_t sel = g() % 4, row = g() % 70, col = g() % 18, len = g() % 20;
    std::vector<int32_t> v(len);
    for (auto &x : v) x = static_cast<int32_t>(g() % 600) - 300;
    a.Write(sel, row, col, v);
    regs(sel, row, col, v);
    std::vector<uint32_t> idx(g() % 12);
    for (auto &i : idx) i = static_cast<uint32_t>(g() % (n_in + 2));
    uint32_t ctrl = static_cast<uint32_t>(g() & 0x1e);
    pbit_dp_push(a.get(), idx.data(), idx.size());
    for (uint32_t i : idx) b.W(PBIT_DP_REG_IDX_PUSH, i);
    pbit_dp_start(a.get(), ctrl);
    b.W(PBIT_DP_REG_CTRL, ctrl | PBIT_DP_CTRL_START);
    // Every register and every element agree.
    for (uint32_t r = 0; r < 0x50; r++) {
      if (r == PBIT_DP_REG_WIN_DATA) continue;
      uint32_t x = 0, y = 0;
      bool mapped = r <= 0x24 || r >= 0x40;
      if (!mapped) continue;
      pbit_dp_reg_read(a.get(), r, &x);
      pbit_dp_reg_read(b.get(), r, &y);
      ASSERT_EQ(x, y) << "register 0x" << std::hex << r;
    }
    for (uint32_t s = 0; s < 6; s++) {
      uint32_t rows = s == PBIT_DP_WIN_WEIGHT ? n_in : 1;
      for (uint32_t r = 0; r < rows; r++)
        ASSERT_EQ(a.Read(s, r, 0, s == PBIT_DP_WIN_INPUT ? n_in : n_out),
                  b.Read(s, r, 0, s == PBIT_DP_WIN_INPUT ? n_in : n_out));
    }
    if (pbit_dp_errors(a.get()) != 0) {
      a.W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
      b.W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
      a.W(PBIT_DP_REG_IDX_CLEAR, 0);
      b.W(PBIT_DP_REG_IDX_CLEAR, 0);
    }
  }
}

TEST(DpModel, DriverRunsPiecesAndReportsRefusals) {
  pbit_dp_params_t p = Params(4, 8, 12, 6, 8, 4, 64, 16);
  Dp d(p);
  pbit_dp_bus_t bus = pbit_dp_model_bus(d.get());
  pbit_error_t err;
  ASSERT_EQ(pbit_dp_drv_geometry(&bus, 10, 5, 1, &err), PBIT_OK);
  std::vector<int32_t> ones(5, 1);
  for (uint32_t i = 0; i < 10; i++)
    ASSERT_EQ(pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_WEIGHT, i, 0, ones.data(), 5, &err), PBIT_OK);
  std::vector<uint32_t> idx(11, 2);  // 3 pieces of <= 4
  ASSERT_EQ(pbit_dp_drv_run(&bus, 4, PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, idx.data(),
                            idx.size(), &err),
            PBIT_OK)
      << err.msg;
  pbit_dp_counters_t c;
  ASSERT_EQ(pbit_dp_drv_counters(&bus, &c, &err), PBIT_OK);
  EXPECT_EQ(c.v[PBIT_DP_CNT_CYCLES], 3u * 2 + 11 * 2 + 2 * 2);  // C = 2
  std::vector<int64_t> acc(5);
  ASSERT_EQ(pbit_dp_drv_win_read(&bus, PBIT_DP_WIN_ACC, 0, 0, acc.data(), 5, &err), PBIT_OK);
  EXPECT_EQ(acc, std::vector<int64_t>(5, 11));
  // A refused piece names the flags.
  idx.push_back(10);
  EXPECT_EQ(pbit_dp_drv_run(&bus, 4, 0, idx.data(), idx.size(), &err), PBIT_ERR_RUNTIME);
  EXPECT_NE(std::string(err.msg).find("IDX_RANGE"), std::string::npos) << err.msg;
  // A window run past the geometry fails and names WIN_RANGE.
  d.W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
  EXPECT_EQ(pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_BIAS, 0, 3, ones.data(), 5, &err),
            PBIT_ERR_RUNTIME);
  EXPECT_NE(std::string(err.msg).find("WIN_RANGE"), std::string::npos) << err.msg;
  EXPECT_EQ(pbit_dp_drv_run(&bus, 0, 0, nullptr, 0, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_drv_run(nullptr, 4, 0, nullptr, 0, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_drv_counters(&bus, nullptr, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_drv_check(nullptr, &p, &err), PBIT_ERR_ARG);
}

TEST(DpModel, StateRestoreContinuesBitForBit) {
  for (int wb : {8, 20}) {  // 16-bit and 32-bit weight memories
    SCOPED_TRACE(wb);
    pbit_dp_params_t p = Params(4, wb, wb + 6, 6, 8, 4, 64, 16);
    // Random traffic: weights, deltas, inputs, FORWARD/UPDATE from both sources.
    auto work = [&](Dp &d, int ops, uint64_t seed) {
      std::mt19937_64 r(seed);
      std::vector<int64_t> seen = {d.R(PBIT_DP_REG_IDX_LEVEL), d.R(PBIT_DP_REG_ERR)};
      d.W(PBIT_DP_REG_IDX_CLEAR, 1);
      for (int k = 0; k < ops; k++) {
        uint32_t n_in = 20 + static_cast<uint32_t>(r() % 40),
                 n_out = 3 + static_cast<uint32_t>(r() % 13);
        EXPECT_EQ(pbit_dp_set_geometry(d.get(), n_in, n_out, 2), PBIT_OK);
        std::vector<int32_t> v(n_out);
        for (auto &e : v) e = static_cast<int32_t>(r() % 41) - 20;
        EXPECT_EQ(pbit_dp_win_write(d.get(), PBIT_DP_WIN_WEIGHT, static_cast<uint32_t>(r() % n_in),
                                    0, v.data(), n_out),
                  PBIT_OK);
        EXPECT_EQ(pbit_dp_win_write(d.get(), PBIT_DP_WIN_DELTA, 0, 0, v.data(), n_out), PBIT_OK);
        std::vector<int32_t> x(n_in);
        for (auto &e : x) e = static_cast<int32_t>(r() & 1);
        EXPECT_EQ(pbit_dp_win_write(d.get(), PBIT_DP_WIN_INPUT, 0, 0, x.data(), n_in), PBIT_OK);
        uint32_t idx[3] = {static_cast<uint32_t>(r() % n_in), 1, 0};
        uint32_t ctrl = (k % 2 ? PBIT_DP_CTRL_UPDATE : PBIT_DP_CTRL_CLEAR) | PBIT_DP_CTRL_FINISH;
        if (k % 3 == 0)
          EXPECT_EQ(pbit_dp_start(d.get(), ctrl | PBIT_DP_CTRL_VECTOR), PBIT_OK);
        else
          EXPECT_EQ(pbit_dp_run(d.get(), ctrl, idx, 3), PBIT_OK);
        std::vector<int64_t> acc = d.Read(PBIT_DP_WIN_ACC, 0, 0, n_out);
        seen.insert(seen.end(), acc.begin(), acc.end());
        std::vector<int32_t> dac(n_out);
        EXPECT_EQ(pbit_dp_dac_codes(d.get(), dac.data(), n_out), PBIT_OK);
        seen.insert(seen.end(), dac.begin(), dac.end());
        for (int c = 0; c < PBIT_DP_NUM_COUNTERS; c++)
          seen.push_back(static_cast<int64_t>(d.Cnt(c)));
      }
      d.W(PBIT_DP_REG_IDX_PUSH, 1);  // a queued index is state too
      seen.push_back(d.R(PBIT_DP_REG_IDX_LEVEL));
      return seen;
    };
    Dp a(p);
    work(a, 6, 1);
    std::vector<uint8_t> saved(pbit_dp_state_size(a.get()));
    pbit_error_t err;
    ASSERT_EQ(pbit_dp_state_save(a.get(), saved.data(), saved.size(), &err), PBIT_OK);
    std::vector<int64_t> first = work(a, 9, 2);
    Dp b(p);
    work(b, 3, 3);
    ASSERT_EQ(pbit_dp_state_restore(b.get(), saved.data(), saved.size(), &err), PBIT_OK) << err.msg;
    EXPECT_EQ(work(b, 9, 2), first);
    Dp c(p);
    EXPECT_NE(work(c, 9, 2), first);
  }
}

TEST(DpModel, StateRestoreRefusesOtherParametersAndDamage) {
  Dp a(Params());
  std::vector<uint8_t> s(pbit_dp_state_size(a.get()));
  pbit_error_t err;
  ASSERT_EQ(pbit_dp_state_save(a.get(), s.data(), s.size(), &err), PBIT_OK);
  Dp other(Params(8));
  EXPECT_EQ(pbit_dp_state_restore(other.get(), s.data(), s.size(), &err), PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(err.msg).find("accel 'test'"), std::string::npos) << err.msg;
  EXPECT_EQ(pbit_dp_state_restore(a.get(), s.data(), s.size() - 1, &err), PBIT_ERR_DATA);
  std::vector<uint8_t> bad = s;
  bad[0] ^= 1;
  EXPECT_EQ(pbit_dp_state_restore(a.get(), bad.data(), bad.size(), &err), PBIT_ERR_DATA);
  EXPECT_EQ(pbit_dp_state_size(nullptr), 0u);
  EXPECT_EQ(pbit_dp_state_save(nullptr, s.data(), s.size(), &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_state_save(a.get(), s.data(), s.size() - 1, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_state_restore(nullptr, s.data(), s.size(), &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dp_state_restore(a.get(), nullptr, s.size(), &err), PBIT_ERR_ARG);
}

// A state of datapath VERSION 1 (magic PBTDPST1, no saved bank) restores
// with an empty saved bank: an old checkpoint resumes exactly.
TEST(DpModel, StateOfVersionOneRestoresWithAnEmptySavedBank) {
  const pbit_dp_params_t p = Params();  // 4 lanes, MI 64, MU 16, FD 4
  const size_t stride = 16, mi = 64, fd = 4;
  Dp a(p);
  pbit_dp_set_geometry(a.get(), 3, 8, 1);
  a.Write(PBIT_DP_WIN_WEIGHT, 1, 0, {1, 2, 3, 4, 5, 6, 7, 8});
  a.Write(PBIT_DP_WIN_INPUT, 0, 0, {1, 0, 1});  // the bytes after the bank are not all 0
  const uint32_t one = 1;
  ASSERT_EQ(pbit_dp_run(a.get(), PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, &one, 1), PBIT_OK);
  std::vector<uint8_t> v2(pbit_dp_state_size(a.get()));
  pbit_error_t err;
  ASSERT_EQ(pbit_dp_state_save(a.get(), v2.data(), v2.size(), &err), PBIT_OK);
  // Version 1: the same bytes without the bank (before the input bits and
  // the FIFO), magic ...ST1.
  std::vector<uint8_t> v1 = v2;
  size_t at = v1.size() - mi - fd * 4 - stride * 8;
  v1.erase(v1.begin() + static_cast<std::ptrdiff_t>(at),
           v1.begin() + static_cast<std::ptrdiff_t>(at + stride * 8));
  ASSERT_EQ(v1[7], '2');
  v1[7] = '1';
  Dp b(p);
  pbit_dp_set_geometry(b.get(), 3, 8, 1);
  ASSERT_EQ(pbit_dp_run(b.get(), PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_SAVE, &one, 1), PBIT_OK);
  ASSERT_EQ(pbit_dp_state_restore(b.get(), v1.data(), v1.size(), &err), PBIT_OK) << err.msg;
  std::vector<uint8_t> back(v2.size());
  ASSERT_EQ(pbit_dp_state_save(b.get(), back.data(), back.size(), &err), PBIT_OK);
  EXPECT_EQ(back, v2);  // the bank b had saved is gone, as in a's
  EXPECT_EQ(pbit_dp_state_restore(b.get(), v1.data(), v1.size() - 1, &err), PBIT_ERR_DATA);
  v2[7] = '1';  // a version-1 magic on a version-2 layout
  EXPECT_EQ(pbit_dp_state_restore(b.get(), v2.data(), v2.size(), &err), PBIT_ERR_DATA);
}

}  // namespace
