// Directed tests of the whole verilated datapath (pbit_dp_top) through its
// register bus: the exact cycle contract (BUSY length, DAC port timing),
// write-back forwarding with one chunk per row, the bus protocol, and the
// error paths of the CSRs, including accesses while busy (which the C
// model, whose operations complete at START, never sees).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "config/config.h"
#include "dp/dp_driver.h"
#include "dp_rtl/dp_rtl.h"
}

namespace {

class RtlTop : public ::testing::Test {
 protected:
  void Open(const char *name) {
    std::string path = std::string("configs/accel/") + name + ".yaml";
    pbit_error_t err;
    if (pbit_config_load_accel(path.c_str(), &p_, &err) != PBIT_OK) GTEST_SKIP() << err.msg;
    if (pbit_dp_rtl_create(&p_, &r_, &err) != PBIT_OK) GTEST_SKIP() << err.msg;
    bus_ = pbit_dp_rtl_bus(r_);
  }
  void TearDown() override { pbit_dp_rtl_destroy(r_); }
  void W(uint32_t a, uint32_t v) { ASSERT_EQ(pbit_dp_rtl_reg_write(r_, a, v), PBIT_OK); }
  uint32_t R(uint32_t a) {
    uint32_t v = 0;
    EXPECT_EQ(pbit_dp_rtl_reg_read(r_, a, &v), PBIT_OK) << "no rvalid for 0x" << std::hex << a;
    return v;
  }
  uint64_t Cnt(int k) {
    pbit_dp_counters_t c;
    pbit_error_t err;
    EXPECT_EQ(pbit_dp_drv_counters(&bus_, &c, &err), PBIT_OK);
    return c.v[k];
  }
  void Geometry(uint32_t n_in, uint32_t n_out, uint32_t shift = 0) {
    pbit_error_t err;
    ASSERT_EQ(pbit_dp_drv_geometry(&bus_, n_in, n_out, shift, &err), PBIT_OK);
  }
  void Load(uint32_t sel, uint32_t row, const std::vector<int32_t> &v) {
    pbit_error_t err;
    ASSERT_EQ(pbit_dp_drv_win_write(&bus_, sel, row, 0, v.data(), v.size(), &err), PBIT_OK)
        << err.msg;
  }
  std::vector<int64_t> Read(uint32_t sel, uint32_t row, size_t n) {
    std::vector<int64_t> v(n);
    pbit_error_t err;
    EXPECT_EQ(pbit_dp_drv_win_read(&bus_, sel, row, 0, v.data(), n, &err), PBIT_OK) << err.msg;
    return v;
  }
  // START, then clock until idle; returns the BUSY cycles seen by the bus
  // (and checks them against the cycles counter).
  uint64_t StartAndWait(uint32_t ctrl) {
    uint64_t c0 = Cnt(PBIT_DP_CNT_CYCLES);
    W(PBIT_DP_REG_CTRL, ctrl | PBIT_DP_CTRL_START);
    start_ = pbit_dp_rtl_cycles(r_);  // the SETUP cycle
    EXPECT_EQ(pbit_dp_rtl_wait_idle(r_, 1u << 24), PBIT_OK);
    uint64_t busy = pbit_dp_rtl_cycles(r_) - start_;
    EXPECT_EQ(Cnt(PBIT_DP_CNT_CYCLES) - c0, busy) << "cycles counter = BUSY cycles";
    return busy;
  }
  pbit_dp_params_t p_{};
  pbit_dp_rtl_t *r_ = nullptr;
  pbit_dp_bus_t bus_{};
  uint64_t start_ = 0;
};

TEST_F(RtlTop, ExactCyclesAndDacPortTiming) {
  Open("tiny");  // 4 lanes, FIFO 4
  std::mt19937_64 g(17);
  for (int t = 0; t < 60; t++) {
    uint32_t n_out = 1 + g() % 16, n = g() % 5, c = (n_out + 3) / 4;
    bool upd = g() & 1, fin = g() & 1;
    SCOPED_TRACE("n_out " + std::to_string(n_out) + " n " + std::to_string(n) +
                 (upd ? " UPDATE" : " FORWARD") + (fin ? " FINISH" : ""));
    Geometry(64, n_out);
    for (uint32_t k = 0; k < n; k++) W(PBIT_DP_REG_IDX_PUSH, static_cast<uint32_t>(g() % 64));
    uint64_t chunks0 = pbit_dp_rtl_dac_chunks(r_);
    uint32_t ctrl = (upd ? PBIT_DP_CTRL_UPDATE : 0) | (fin ? PBIT_DP_CTRL_FINISH : 0);
    uint64_t busy = StartAndWait(ctrl);
    uint64_t tail = fin ? (upd ? c : 2 * c) : 0;
    EXPECT_EQ(busy, 2 + n * c + tail);
    if (!upd && fin) {
      // C chunks of codes, the last one in the last BUSY cycle (DRAIN).
      EXPECT_EQ(pbit_dp_rtl_dac_chunks(r_) - chunks0, c);
      EXPECT_EQ(pbit_dp_rtl_dac_last_cycle(r_), start_ + busy - 1);
    } else {
      EXPECT_EQ(pbit_dp_rtl_dac_chunks(r_), chunks0);
    }
    EXPECT_EQ(R(PBIT_DP_REG_STATUS), PBIT_DP_STATUS_DONE | PBIT_DP_STATUS_FIFO_EMPTY);
  }
}

TEST_F(RtlTop, OneChunkRowsForwardTheWrittenWord) {
  Open("tiny");
  // C = 1: the same word is read in the cycle it is written back.
  Geometry(4, 3);
  Load(PBIT_DP_WIN_WEIGHT, 1, {10, -20, 30});
  Load(PBIT_DP_WIN_WEIGHT, 2, {1, 2, 3});
  Load(PBIT_DP_WIN_DELTA, 0, {3, -4, 5});
  Load(PBIT_DP_WIN_BIAS, 0, {7, 7, 7});
  for (int k = 0; k < 4; k++) W(PBIT_DP_REG_IDX_PUSH, 1);
  EXPECT_EQ(StartAndWait(PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH), 2u + 4 + 1);
  EXPECT_EQ(Read(PBIT_DP_WIN_WEIGHT, 1, 3), (std::vector<int64_t>{22, -36, 50}));
  EXPECT_EQ(Read(PBIT_DP_WIN_BIAS, 0, 3), (std::vector<int64_t>{10, 3, 12}));
  // FORWARD: accumulate row 2 three times, bias, then EMIT reads the word
  // BIAS wrote one cycle before.
  for (int k = 0; k < 3; k++) W(PBIT_DP_REG_IDX_PUSH, 2);
  EXPECT_EQ(StartAndWait(PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH), 2u + 3 + 2);
  EXPECT_EQ(Read(PBIT_DP_WIN_ACC, 0, 3), (std::vector<int64_t>{13, 9, 21}));
  std::vector<int32_t> codes(3);
  pbit_dp_rtl_dac_codes(r_, codes.data(), 3);
  EXPECT_EQ(codes, (std::vector<int32_t>{13, 9, 21}));
}

TEST_F(RtlTop, BusReadsAreValidOneCycleLater) {
  Open("small");
  // The harness checks rvalid_o on every read; a long series must all pass.
  for (int k = 0; k < 100; k++) EXPECT_EQ(R(PBIT_DP_REG_ID), PBIT_DP_ID_VALUE);
  EXPECT_EQ(R(PBIT_DP_REG_LANES), 16u);
  EXPECT_EQ(R(PBIT_DP_REG_MAX_UNITS), 1024u);
  // Back-to-back: a register written in one cycle reads back in the next.
  for (uint32_t v : {1u, 0xdeadbeefu, 0u}) {
    W(PBIT_DP_REG_WIN_ROW, v);
    EXPECT_EQ(R(PBIT_DP_REG_WIN_ROW), v);
  }
  EXPECT_EQ(R(PBIT_DP_REG_ERR), 0u);
}

TEST_F(RtlTop, ErrorsThroughTheCsrsWriteNothing) {
  Open("small");
  Geometry(8, 40);
  std::vector<int32_t> row(40);
  for (uint32_t i = 0; i < 8; i++) {
    for (int j = 0; j < 40; j++) row[j] = static_cast<int32_t>(i * 100 + j);
    Load(PBIT_DP_WIN_WEIGHT, i, row);
  }
  Load(PBIT_DP_WIN_DELTA, 0, std::vector<int32_t>(40, 5));
  Load(PBIT_DP_WIN_BIAS, 0, std::vector<int32_t>(40, 1));
  auto snapshot = [&] {
    std::vector<int64_t> all;
    for (uint32_t i = 0; i < 8; i++) {
      std::vector<int64_t> r = Read(PBIT_DP_WIN_WEIGHT, i, 40);
      all.insert(all.end(), r.begin(), r.end());
    }
    std::vector<int64_t> b = Read(PBIT_DP_WIN_BIAS, 0, 40);
    all.insert(all.end(), b.begin(), b.end());
    return all;
  };
  const std::vector<int64_t> before = snapshot();
  W(PBIT_DP_REG_CNT_CLEAR, 0);

  // Out-of-range index: flagged at the push, and the START is refused.
  W(PBIT_DP_REG_IDX_PUSH, 3);
  W(PBIT_DP_REG_IDX_PUSH, 8);
  EXPECT_EQ(R(PBIT_DP_REG_ERR), PBIT_DP_ERR_IDX_RANGE);
  EXPECT_EQ(R(PBIT_DP_REG_IDX_LEVEL), 1u) << "the bad index is not queued";
  W(PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH);
  EXPECT_EQ(
      R(PBIT_DP_REG_STATUS) & (PBIT_DP_STATUS_BUSY | PBIT_DP_STATUS_DONE | PBIT_DP_STATUS_ERROR),
      PBIT_DP_STATUS_DONE | PBIT_DP_STATUS_ERROR);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(Cnt(PBIT_DP_CNT_CYCLES), 0u);

  // Bad geometry at START (n_out above MAX_UNITS), once the flags are clear.
  W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
  W(PBIT_DP_REG_N_OUT, 1025);
  W(PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH);
  EXPECT_EQ(R(PBIT_DP_REG_ERR), PBIT_DP_ERR_BAD_GEOMETRY);
  W(PBIT_DP_REG_N_OUT, 40);
  EXPECT_EQ(snapshot(), before);
  // n_in lowered below a queued index: refused at START.
  W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
  W(PBIT_DP_REG_N_IN, 3);
  W(PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_UPDATE);
  EXPECT_EQ(R(PBIT_DP_REG_ERR), PBIT_DP_ERR_IDX_RANGE);
  W(PBIT_DP_REG_N_IN, 8);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(Cnt(PBIT_DP_CNT_CYCLES), 0u);

  // FIFO overflow (16 deep): the 17th push is dropped and flagged.
  W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
  for (int k = 0; k < 17; k++) W(PBIT_DP_REG_IDX_PUSH, 1);
  EXPECT_EQ(R(PBIT_DP_REG_ERR), PBIT_DP_ERR_FIFO_OVERFLOW);
  EXPECT_EQ(R(PBIT_DP_REG_IDX_LEVEL), 16u);
  EXPECT_EQ(R(PBIT_DP_REG_STATUS) & PBIT_DP_STATUS_FIFO_FULL, PBIT_DP_STATUS_FIFO_FULL);
  // Recovery: clear the FIFO and the flags, then an operation runs.
  W(PBIT_DP_REG_IDX_CLEAR, 0);
  W(PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
  W(PBIT_DP_REG_IDX_PUSH, 3);
  EXPECT_EQ(StartAndWait(PBIT_DP_CTRL_UPDATE), 2u + 3);
  std::vector<int64_t> r3 = Read(PBIT_DP_WIN_WEIGHT, 3, 40);
  EXPECT_EQ(r3[0], 305);
}

TEST_F(RtlTop, AccessesWhileBusyAreRefusedAndFlagged) {
  Open("small");
  Geometry(16, 1024);  // 64 chunks: 16 indices take > 1000 cycles
  for (int k = 0; k < 16; k++) W(PBIT_DP_REG_IDX_PUSH, static_cast<uint32_t>(k));
  W(PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH);
  EXPECT_EQ(R(PBIT_DP_REG_STATUS) & PBIT_DP_STATUS_BUSY, PBIT_DP_STATUS_BUSY);
  W(PBIT_DP_REG_N_IN, 5);                    // refused
  W(PBIT_DP_REG_IDX_PUSH, 1);                // refused
  W(PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START);   // refused
  W(PBIT_DP_REG_WIN_SEL, PBIT_DP_WIN_BIAS);  // refused
  EXPECT_EQ(R(PBIT_DP_REG_WIN_DATA), 0u) << "window read while busy";
  uint32_t e = R(PBIT_DP_REG_ERR);
  EXPECT_EQ(e, PBIT_DP_ERR_BUSY_ACCESS);
  // Reads of status and counters are fine while busy; ERR can be cleared.
  uint64_t c1 = Cnt(PBIT_DP_CNT_CYCLES);
  uint64_t c2 = Cnt(PBIT_DP_CNT_CYCLES);
  EXPECT_GT(c2, c1) << "counters run while busy";
  W(PBIT_DP_REG_ERR, PBIT_DP_ERR_BUSY_ACCESS);
  EXPECT_EQ(R(PBIT_DP_REG_ERR), 0u);
  EXPECT_EQ(R(PBIT_DP_REG_STATUS) & PBIT_DP_STATUS_BUSY, PBIT_DP_STATUS_BUSY);
  ASSERT_EQ(pbit_dp_rtl_wait_idle(r_, 1u << 20), PBIT_OK);
  EXPECT_EQ(R(PBIT_DP_REG_N_IN), 16u);
  EXPECT_EQ(R(PBIT_DP_REG_WIN_SEL), 0u);
  EXPECT_EQ(R(PBIT_DP_REG_IDX_LEVEL), 0u);
  EXPECT_EQ(Cnt(PBIT_DP_CNT_CYCLES), 2u + 16 * 64 + 2 * 64) << "one operation only";
  EXPECT_EQ(R(PBIT_DP_REG_STATUS), PBIT_DP_STATUS_DONE | PBIT_DP_STATUS_FIFO_EMPTY);
}

TEST_F(RtlTop, ResetClearsRegistersAndAccumulators) {
  Open("tiny");
  Geometry(4, 4, 3);
  Load(PBIT_DP_WIN_WEIGHT, 0, {1, 2, 3, 4});
  W(PBIT_DP_REG_IDX_PUSH, 0);
  StartAndWait(PBIT_DP_CTRL_CLEAR);
  EXPECT_EQ(Read(PBIT_DP_WIN_ACC, 0, 4), (std::vector<int64_t>{1, 2, 3, 4}));
  pbit_dp_rtl_reset(r_);
  EXPECT_EQ(R(PBIT_DP_REG_N_IN), 0u);
  EXPECT_EQ(R(PBIT_DP_REG_DAC_SHIFT), 0u);
  EXPECT_EQ(Cnt(PBIT_DP_CNT_CYCLES), 0u);
  Geometry(4, 4);
  EXPECT_EQ(Read(PBIT_DP_WIN_ACC, 0, 4), (std::vector<int64_t>(4, 0))) << "accumulators invalid";
  EXPECT_EQ(Read(PBIT_DP_WIN_WEIGHT, 0, 4), (std::vector<int64_t>{1, 2, 3, 4})) << "SRAM kept";
}

}  // namespace
