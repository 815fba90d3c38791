// Lockstep: the verilated RTL (sim/dp_rtl/) and the C model (sim/dp/) driven
// by the same register sequences on random geometries, index lists and
// values. Every register read is compared (so every window element, error
// flag and counter, cycles included), and the DAC codes the RTL put on its
// port are compared with the model's. Seeds are fixed and printed on failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "config/config.h"
#include "dp/dp_driver.h"
#include "dp/dp_model.h"
#include "dp_rtl/dp_rtl.h"
}

namespace {

// A bus that performs every access on both backends and records the first
// read whose values differ.
struct Lockstep {
  pbit_dp_t *model = nullptr;
  pbit_dp_rtl_t *rtl = nullptr;
  pbit_dp_params_t p{};
  std::string first_diff;
  uint64_t reads = 0;

  // Window position, to name the element of a differing WIN_DATA read.
  uint32_t sel = 0, row = 0, col = 0;

  static int write(void *ctx, uint32_t addr, uint32_t data) {
    auto *l = static_cast<Lockstep *>(ctx);
    if (addr == PBIT_DP_REG_WIN_SEL) l->sel = data;
    if (addr == PBIT_DP_REG_WIN_ROW) l->row = data;
    if (addr == PBIT_DP_REG_WIN_COL) l->col = data;
    if (addr == PBIT_DP_REG_WIN_DATA) l->col++;
    int a = pbit_dp_reg_write(l->model, addr, data);
    int b = pbit_dp_rtl_reg_write(l->rtl, addr, data);
    return a != PBIT_OK ? a : b;
  }
  static int read(void *ctx, uint32_t addr, uint32_t *data) {
    auto *l = static_cast<Lockstep *>(ctx);
    uint32_t m = 0, r = 0;
    int a = pbit_dp_reg_read(l->model, addr, &m);
    int b = pbit_dp_rtl_reg_read(l->rtl, addr, &r);
    l->reads++;
    if (m != r && l->first_diff.empty()) {
      char buf[200];
      snprintf(buf, sizeof(buf), "read #%llu of 0x%02x: model 0x%08x, RTL 0x%08x",
               static_cast<unsigned long long>(l->reads), addr, m, r);
      l->first_diff = buf;
      if (addr == PBIT_DP_REG_WIN_DATA) {
        snprintf(buf, sizeof(buf), " (window %u, row %u, col %u)", l->sel, l->row, l->col);
        l->first_diff += buf;
      }
    }
    if (addr == PBIT_DP_REG_WIN_DATA) l->col++;
    *data = m;
    return a != PBIT_OK ? a : b;
  }
  static int wait(void *ctx, uint64_t max_cycles) {
    auto *l = static_cast<Lockstep *>(ctx);
    return pbit_dp_rtl_wait_idle(l->rtl, max_cycles);
  }
  pbit_dp_bus_t bus() { return pbit_dp_bus_t{this, write, read, wait}; }
};

bool load_accel(const char *name, pbit_dp_params_t *p) {
  std::string path = std::string("configs/accel/") + name + ".yaml";
  pbit_error_t err;
  pbit_error_clear(&err);
  return pbit_config_load_accel(path.c_str(), p, &err) == PBIT_OK;
}

class LockstepTest : public ::testing::TestWithParam<const char *> {
 protected:
  void SetUp() override {
    if (!load_accel(GetParam(), &ls_.p)) GTEST_SKIP() << "no configs/accel/" << GetParam();
    pbit_error_t err;
    pbit_error_clear(&err);
    if (pbit_dp_rtl_create(&ls_.p, &ls_.rtl, &err) != PBIT_OK)
      GTEST_SKIP() << "no RTL build: " << err.msg;
    ASSERT_EQ(pbit_dp_create(&ls_.p, &ls_.model, &err), PBIT_OK) << err.msg;
  }
  void TearDown() override {
    pbit_dp_rtl_destroy(ls_.rtl);
    pbit_dp_destroy(ls_.model);
  }
  Lockstep ls_;
};

// One random scenario: geometry, memories, then a sequence of operations.
struct Scenario {
  uint64_t seed;
  int ops;
  int max_in, max_out;  // caps on the geometry (RTL time)
};

int64_t rand_val(std::mt19937_64 &g, int bits, int mode) {
  int64_t lo = -(int64_t{1} << (bits - 1)), hi = (int64_t{1} << (bits - 1)) - 1;
  switch (mode) {
    case 0:  // full range
      return std::uniform_int_distribution<int64_t>(lo, hi)(g);
    case 1:  // small
      return std::uniform_int_distribution<int64_t>(-3, 3)(g);
    default:  // extremes (saturation)
      return (g() & 1) ? hi - static_cast<int64_t>(g() % 3) : lo + static_cast<int64_t>(g() % 3);
  }
}

// What the scenarios exercised (summed over a test), to check that random
// testing reaches saturation, stalls, errors and the rest.
struct Coverage {
  uint64_t ops = 0, vector_ops = 0, update_ops = 0, empty_ops = 0, errors = 0, regeom = 0;
  uint64_t saves = 0, restores = 0;
  pbit_dp_counters_t c{};
};

// Raw register access on the lockstep bus (errors are the point here).
void wr(pbit_dp_bus_t &b, uint32_t addr, uint32_t data) { b.write(b.ctx, addr, data); }
uint32_t rd(pbit_dp_bus_t &b, uint32_t addr) {
  uint32_t v = 0;
  b.read(b.ctx, addr, &v);
  return v;
}

// One erroneous access or operation, then recovery: both backends must flag
// the same error and (checked by the window reads that follow) write nothing.
void inject_error(std::mt19937_64 &g, pbit_dp_bus_t &b, const pbit_dp_params_t &p, int n_in,
                  int n_out, uint32_t shift) {
  switch (g() % 7) {
    case 0:  // index out of range, then a START that must be refused
      wr(b, PBIT_DP_REG_IDX_PUSH, static_cast<uint32_t>(n_in + static_cast<int>(g() % 5)));
      wr(b, PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH);
      break;
    case 1:  // bad geometry at START (n_in 0 or above MAX_INPUTS)
      wr(b, PBIT_DP_REG_IDX_PUSH, 0);
      wr(b, PBIT_DP_REG_N_IN, (g() & 1) ? 0u : static_cast<uint32_t>(p.max_inputs + 1));
      wr(b, PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH);
      break;
    case 2:  // FIFO overflow
      for (int k = 0; k <= p.fifo_depth; k++) wr(b, PBIT_DP_REG_IDX_PUSH, 0);
      wr(b, PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_UPDATE);
      break;
    case 3:  // VECTOR source with queued indices; DAC_SHIFT too large
      wr(b, PBIT_DP_REG_IDX_PUSH, 0);
      wr(b, PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_VECTOR | PBIT_DP_CTRL_UPDATE);
      wr(b, PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
      wr(b, PBIT_DP_REG_IDX_CLEAR, 0);
      wr(b, PBIT_DP_REG_DAC_SHIFT, static_cast<uint32_t>(p.acc_bits + static_cast<int>(g() % 40)));
      wr(b, PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_FINISH);
      break;
    case 4:  // window outside the geometry, read-only window, bad selector
      wr(b, PBIT_DP_REG_WIN_SEL, PBIT_DP_WIN_WEIGHT);
      wr(b, PBIT_DP_REG_WIN_ROW, static_cast<uint32_t>(n_in));
      wr(b, PBIT_DP_REG_WIN_COL, 0);
      wr(b, PBIT_DP_REG_WIN_DATA, 7);
      rd(b, PBIT_DP_REG_WIN_DATA);
      wr(b, PBIT_DP_REG_WIN_SEL, PBIT_DP_WIN_BIAS);
      wr(b, PBIT_DP_REG_WIN_COL, static_cast<uint32_t>(n_out));
      wr(b, PBIT_DP_REG_WIN_DATA, 7);
      wr(b, PBIT_DP_REG_WIN_SEL, PBIT_DP_WIN_ACC);
      wr(b, PBIT_DP_REG_WIN_COL, 0);
      wr(b, PBIT_DP_REG_WIN_DATA, 7);
      wr(b, PBIT_DP_REG_WIN_SEL, 6 + static_cast<uint32_t>(g() % 2));
      rd(b, PBIT_DP_REG_WIN_DATA);
      rd(b, PBIT_DP_REG_WIN_DATA_HI);
      break;
    case 5:  // unmapped and read-only registers
      wr(b, 0x30 + static_cast<uint32_t>(g() % 16), 1);
      rd(b, 0x80 + static_cast<uint32_t>(g() % 64));
      wr(b, PBIT_DP_REG_STATUS, 1);
      wr(b, PBIT_DP_REG_CNT_BASE + static_cast<uint32_t>(g() % 16), 1);
      break;
    default:  // an operation while an earlier error is still set
      wr(b, PBIT_DP_REG_IDX_PUSH, static_cast<uint32_t>(n_in));
      wr(b, PBIT_DP_REG_IDX_PUSH, 0);
      wr(b, PBIT_DP_REG_CTRL, PBIT_DP_CTRL_START | PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH);
      break;
  }
  b.wait_idle(b.ctx, 1u << 20);
  rd(b, PBIT_DP_REG_STATUS);
  rd(b, PBIT_DP_REG_ERR);
  rd(b, PBIT_DP_REG_IDX_LEVEL);
  // Recover: clear the flags and the FIFO, restore the geometry.
  wr(b, PBIT_DP_REG_ERR, PBIT_DP_ERR_ALL);
  wr(b, PBIT_DP_REG_IDX_CLEAR, 0);
  wr(b, PBIT_DP_REG_N_IN, static_cast<uint32_t>(n_in));
  wr(b, PBIT_DP_REG_N_OUT, static_cast<uint32_t>(n_out));
  wr(b, PBIT_DP_REG_DAC_SHIFT, shift);
  rd(b, PBIT_DP_REG_ERR);
}

void run_scenario(Lockstep &ls, const Scenario &sc, Coverage &cov) {
  SCOPED_TRACE("seed " + std::to_string(sc.seed) + " accel " + ls.p.name);
  std::mt19937_64 g(sc.seed);
  const pbit_dp_params_t &p = ls.p;
  pbit_dp_bus_t bus = ls.bus();
  pbit_error_t err;
  pbit_error_clear(&err);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); };

  int n_in = pick(1, std::min(p.max_inputs, sc.max_in));
  int n_out = pick(1, std::min(p.max_units, sc.max_out));
  if (pick(0, 3) == 0) n_out = std::min(p.max_units, p.lanes * pick(1, 3));  // whole chunks
  uint32_t shift = static_cast<uint32_t>(pick(0, p.acc_bits - 1));
  int mode = pick(0, 2);
  ASSERT_EQ(pbit_dp_drv_geometry(&bus, n_in, n_out, shift, &err), PBIT_OK) << err.msg;

  std::vector<int32_t> row(n_out);
  for (int i = 0; i < n_in; i++) {
    for (auto &v : row) v = static_cast<int32_t>(rand_val(g, p.weight_bits, mode));
    ASSERT_EQ(pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_WEIGHT, i, 0, row.data(), n_out, &err),
              PBIT_OK)
        << err.msg;
  }
  for (uint32_t sel : {PBIT_DP_WIN_BIAS, PBIT_DP_WIN_DELTA}) {
    for (auto &v : row) v = static_cast<int32_t>(rand_val(g, p.weight_bits, mode));
    ASSERT_EQ(pbit_dp_drv_win_write(&bus, sel, 0, 0, row.data(), n_out, &err), PBIT_OK) << err.msg;
  }

  std::vector<int64_t> got(n_out);
  std::vector<int64_t> before;
  for (int op = 0; op < sc.ops; op++) {
    if (pick(0, 5) == 0) {
      // An error, and proof that it wrote nothing: every weight, bias and
      // accumulator reads the same before and after.
      auto snapshot = [&](std::vector<int64_t> &out) {
        out.clear();
        std::vector<int64_t> v(n_out);
        for (int i = 0; i < n_in; i++) {
          ASSERT_EQ(pbit_dp_drv_win_read(&bus, PBIT_DP_WIN_WEIGHT, i, 0, v.data(), n_out, &err),
                    PBIT_OK)
              << err.msg;
          out.insert(out.end(), v.begin(), v.end());
        }
        for (uint32_t sel : {PBIT_DP_WIN_BIAS, PBIT_DP_WIN_ACC}) {
          ASSERT_EQ(pbit_dp_drv_win_read(&bus, sel, 0, 0, v.data(), n_out, &err), PBIT_OK)
              << err.msg;
          out.insert(out.end(), v.begin(), v.end());
        }
      };
      snapshot(before);
      pbit_dp_counters_t c0;
      ASSERT_EQ(pbit_dp_drv_counters(&bus, &c0, &err), PBIT_OK) << err.msg;
      inject_error(g, bus, p, n_in, n_out, shift);
      std::vector<int64_t> after;
      snapshot(after);
      ASSERT_EQ(before, after) << "an erroneous operation wrote to memory";
      pbit_dp_counters_t c1;
      ASSERT_EQ(pbit_dp_drv_counters(&bus, &c1, &err), PBIT_OK) << err.msg;
      ASSERT_EQ(c0.v[PBIT_DP_CNT_CYCLES], c1.v[PBIT_DP_CNT_CYCLES]) << "a refused op ran";
      ASSERT_EQ(ls.first_diff, "") << "error injection before op " << op;
      cov.errors++;
      continue;
    }
    if (pick(0, 7) == 0) {
      // New geometry over the same memories: lanes that were beyond n_out
      // become visible (they must agree too).
      n_in = pick(1, std::min(p.max_inputs, sc.max_in));
      n_out = pick(1, std::min(p.max_units, sc.max_out));
      got.assign(n_out, 0);
      ASSERT_EQ(pbit_dp_drv_geometry(&bus, n_in, n_out, shift, &err), PBIT_OK) << err.msg;
      cov.regeom++;
    }
    uint32_t ctrl = 0;
    if (pick(0, 2) == 0) ctrl |= PBIT_DP_CTRL_UPDATE;
    if (pick(0, 1)) ctrl |= PBIT_DP_CTRL_CLEAR;
    if (pick(0, 3) != 0) ctrl |= PBIT_DP_CTRL_FINISH;
    // SAVE / RESTORE are FORWARD bits; UPDATE must ignore them too.
    if (pick(0, 2) == 0) ctrl |= PBIT_DP_CTRL_SAVE;
    if (pick(0, 2) == 0) ctrl |= PBIT_DP_CTRL_RESTORE;
    bool vector = pick(0, 2) == 0;
    if (vector) {
      // Input vector: density from empty to full.
      int density = pick(0, 4);
      std::vector<int32_t> bits(n_in);
      for (auto &b : bits) b = density == 0 ? 0 : density == 4 ? 1 : (pick(0, 3) < density);
      ASSERT_EQ(pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_INPUT, 0, 0, bits.data(), n_in, &err),
                PBIT_OK)
          << err.msg;
      ASSERT_EQ(pbit_dp_drv_run_vector(&bus, ctrl, &err), PBIT_OK) << err.msg;
      cov.vector_ops++;
    } else {
      int len = pick(0, 4) == 0 ? 0 : pick(1, 3 * p.fifo_depth);
      if (len == 0) cov.empty_ops++;
      std::vector<uint32_t> idx(len);
      int hot = pick(0, n_in - 1);
      for (auto &i : idx) i = static_cast<uint32_t>(pick(0, 3) == 0 ? hot : pick(0, n_in - 1));
      ASSERT_EQ(pbit_dp_drv_run(&bus, p.fifo_depth, ctrl, idx.data(), idx.size(), &err), PBIT_OK)
          << err.msg;
    }
    // Outputs: accumulators, DAC codes (window and port), counters.
    ASSERT_EQ(pbit_dp_drv_win_read(&bus, PBIT_DP_WIN_ACC, 0, 0, got.data(), n_out, &err), PBIT_OK)
        << err.msg;
    ASSERT_EQ(pbit_dp_drv_win_read(&bus, PBIT_DP_WIN_DAC, 0, 0, got.data(), n_out, &err), PBIT_OK)
        << err.msg;
    std::vector<int32_t> dm(n_out), dr(n_out);
    pbit_dp_dac_codes(ls.model, dm.data(), n_out);
    pbit_dp_rtl_dac_codes(ls.rtl, dr.data(), n_out);
    ASSERT_EQ(dm, dr) << "DAC port codes after op " << op;
    pbit_dp_counters_t c;
    ASSERT_EQ(pbit_dp_drv_counters(&bus, &c, &err), PBIT_OK) << err.msg;
    cov.ops++;
    if (ctrl & PBIT_DP_CTRL_UPDATE) cov.update_ops++;
    if (!(ctrl & PBIT_DP_CTRL_UPDATE) && (ctrl & PBIT_DP_CTRL_SAVE)) cov.saves++;
    if (!(ctrl & PBIT_DP_CTRL_UPDATE) && (ctrl & PBIT_DP_CTRL_RESTORE)) cov.restores++;
    if (ctrl & PBIT_DP_CTRL_UPDATE) {
      for (int i = 0; i < n_in; i++)
        ASSERT_EQ(pbit_dp_drv_win_read(&bus, PBIT_DP_WIN_WEIGHT, i, 0, got.data(), n_out, &err),
                  PBIT_OK)
            << err.msg;
      ASSERT_EQ(pbit_dp_drv_win_read(&bus, PBIT_DP_WIN_BIAS, 0, 0, got.data(), n_out, &err),
                PBIT_OK)
          << err.msg;
    }
    ASSERT_EQ(ls.first_diff, "") << "after op " << op << " (ctrl 0x" << std::hex << ctrl << ")";
  }
}

TEST_P(LockstepTest, RandomGeometries) {
  const std::string name = GetParam();
  // tiny: whole memories; small/wide: up to 48 inputs x 160 units (the RTL
  // loads every weight through the bus).
  int n = name == "tiny" ? 300 : name == "small" ? 150 : 100;
  Coverage cov;
  for (int s = 0; s < n; s++) {
    // Counters accumulate over a scenario; clear them so each one is summed.
    run_scenario(ls_, Scenario{1000u + static_cast<uint64_t>(s), 8, 48, 160}, cov);
    if (HasFatalFailure()) return;
    pbit_dp_bus_t bus = ls_.bus();
    pbit_dp_counters_t c;
    pbit_error_t err;
    ASSERT_EQ(pbit_dp_drv_counters(&bus, &c, &err), PBIT_OK);
    for (int k = 0; k < PBIT_DP_NUM_COUNTERS; k++) cov.c.v[k] += c.v[k];
    wr(bus, PBIT_DP_REG_CNT_CLEAR, 0);
  }
  std::printf(
      "  %s: %d geometries, %llu ops (%llu UPDATE, %llu VECTOR, %llu empty), %llu errors, "
      "%llu re-geometries, %llu SAVE, %llu RESTORE; cycles %llu, stalls %llu, saturations %llu, "
      "dac codes %llu\n",
      name.c_str(), n, (unsigned long long)cov.ops, (unsigned long long)cov.update_ops,
      (unsigned long long)cov.vector_ops, (unsigned long long)cov.empty_ops,
      (unsigned long long)cov.errors, (unsigned long long)cov.regeom, (unsigned long long)cov.saves,
      (unsigned long long)cov.restores, (unsigned long long)cov.c.v[PBIT_DP_CNT_CYCLES],
      (unsigned long long)cov.c.v[PBIT_DP_CNT_STALL_CYCLES],
      (unsigned long long)cov.c.v[PBIT_DP_CNT_SATURATIONS],
      (unsigned long long)cov.c.v[PBIT_DP_CNT_DAC_CODES]);
  EXPECT_GT(cov.vector_ops, 0u);
  EXPECT_GT(cov.update_ops, 0u);
  EXPECT_GT(cov.empty_ops, 0u);
  EXPECT_GT(cov.errors, 0u);
  EXPECT_GT(cov.saves, 0u);
  EXPECT_GT(cov.restores, 0u);
  EXPECT_GT(cov.c.v[PBIT_DP_CNT_STALL_CYCLES], 0u);
  EXPECT_GT(cov.c.v[PBIT_DP_CNT_SATURATIONS], 0u);
}

INSTANTIATE_TEST_SUITE_P(Accels, LockstepTest, ::testing::Values("tiny", "small", "wide"));

}  // namespace
