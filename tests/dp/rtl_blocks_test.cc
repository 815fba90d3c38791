// Directed tests of single RTL blocks, verilated on their own with fixed
// parameters (rtl/rtl.mk, RTL_BLOCKS): the FIFO, the SRAM, the index
// generator and the DAC lane, each against a small C++ reference.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "Vblk_dac.h"
#include "Vblk_fifo.h"
#include "Vblk_gen.h"
#include "Vblk_sram.h"
#include "verilated.h"

namespace {

template <class V>
struct Dut {
  std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
  std::unique_ptr<V> m;
  Dut() {
    ctx->randReset(0);
    m.reset(new V(ctx.get(), "dut"));
  }
  ~Dut() { m->final(); }
  // One clock: inputs set before, outputs read after.
  void Tick() {
    m->clk_i = 0;
    m->eval();
    m->clk_i = 1;
    m->eval();
  }
  void Reset() {
    m->rst_ni = 0;
    m->eval();
    Tick();
    m->rst_ni = 1;
    m->eval();
  }
};

// ----------------------------------------------------------------- FIFO (8 bits x 4)

TEST(RtlFifo, RandomTrafficAgainstADeque) {
  Dut<Vblk_fifo> d;
  d.m->clear_i = 0;
  d.m->push_i = 0;
  d.m->pop_i = 0;
  d.Reset();
  std::deque<int> ref;
  std::mt19937_64 g(3);
  int overflows = 0, fulls = 0;
  for (int t = 0; t < 20000; t++) {
    SCOPED_TRACE("cycle " + std::to_string(t));
    // Outputs describe the state at the start of the cycle.
    ASSERT_EQ(d.m->empty_o, ref.empty());
    ASSERT_EQ(d.m->full_o, ref.size() == 4);
    ASSERT_EQ(d.m->level_o, ref.size());
    if (!ref.empty()) {
      ASSERT_EQ(d.m->rdata_o, ref.front());
    }
    bool push = g() % 3 != 0, pop = g() % 2 == 0, clear = g() % 97 == 0;
    int data = static_cast<int>(g() % 256);
    d.m->push_i = push;
    d.m->pop_i = pop;
    d.m->clear_i = clear;
    d.m->wdata_i = data;
    d.m->eval();
    ASSERT_EQ(d.m->overflow_o, push && ref.size() == 4 && !clear);
    overflows += d.m->overflow_o;
    fulls += ref.size() == 4;
    // Reference: pop and push act on the state at the start of the cycle.
    bool was_full = ref.size() == 4, was_empty = ref.empty();
    if (clear) {
      ref.clear();
    } else {
      if (pop && !was_empty) ref.pop_front();
      if (push && !was_full) ref.push_back(data);
    }
    d.Tick();
  }
  EXPECT_GT(overflows, 100);
  EXPECT_GT(fulls, 1000);
}

// ----------------------------------------------------------------- SRAM (8 words x 4 lanes x 8
// bits)

TEST(RtlSram, LatencyReadFirstMasksAndHold) {
  Dut<Vblk_sram> d;
  d.m->re_i = 0;
  d.m->we_i = 0;
  std::vector<uint32_t> ref(8, 0);
  std::mt19937_64 g(5);
  // Fill.
  for (uint32_t a = 0; a < 8; a++) {
    d.m->we_i = 1;
    d.m->waddr_i = a;
    d.m->wdata_i = ref[a] = static_cast<uint32_t>(g());
    d.m->wmask_i = 0xf;
    d.Tick();
  }
  d.m->we_i = 0;
  uint32_t last = 0;
  for (int t = 0; t < 5000; t++) {
    SCOPED_TRACE("cycle " + std::to_string(t));
    bool re = g() & 1, we = g() & 1;
    uint32_t ra = g() % 8, wa = (g() & 3) == 0 ? ra : g() % 8;
    uint32_t wd = static_cast<uint32_t>(g()), mask = g() % 16;
    d.m->re_i = re;
    d.m->raddr_i = ra;
    d.m->we_i = we;
    d.m->waddr_i = wa;
    d.m->wdata_i = wd;
    d.m->wmask_i = mask;
    uint32_t old = ref[ra];  // read-first: the word before this cycle's write
    if (we) {
      uint32_t bm = 0;
      for (int l = 0; l < 4; l++)
        if (mask & (1u << l)) bm |= 0xffu << (8 * l);
      ref[wa] = (ref[wa] & ~bm) | (wd & bm);
    }
    d.Tick();
    if (re) last = old;
    ASSERT_EQ(d.m->rdata_o, last) << "read latency 1, read-first, held until the next read";
  }
}

// ----------------------------------------------------------------- index generator (SCAN_BITS 8,
// MAX_INPUTS 40)

// The vector memory behind the generator: 5 words of 8 bits, read latency 1.
struct GenBench {
  Dut<Vblk_gen> d;
  std::vector<uint8_t> words = std::vector<uint8_t>(5, 0);
  uint8_t rdata = 0;
  void Tick() {
    d.m->eval();  // the read request of this cycle, from its inputs
    bool re = d.m->vmem_re_o;
    uint32_t ra = d.m->vmem_raddr_o;
    d.Tick();
    if (re) rdata = ra < words.size() ? words[ra] : 0;
    d.m->vmem_rdata_i = rdata;
    d.m->eval();
  }
};

TEST(RtlIndexGen, EmitsSetBitsInOrderWithBackPressure) {
  GenBench b;
  b.d.m->start_i = 0;
  b.d.m->en_i = 0;
  b.d.m->full_i = 0;
  b.d.Reset();
  std::mt19937_64 g(7);
  for (int trial = 0; trial < 400; trial++) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    int n_in = 1 + static_cast<int>(g() % 40);
    int density = static_cast<int>(g() % 5);
    std::vector<int> want;
    for (int w = 0; w < 5; w++) b.words[w] = 0;
    for (int i = 0; i < 40; i++) {
      // Bits >= n_in are set too: the generator must ignore them.
      bool bit = density == 4 || static_cast<int>(g() % 4) < density;
      if (bit) b.words[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
      if (bit && i < n_in) want.push_back(i);
    }
    bool pressure = g() & 1;
    b.d.m->n_in_i = static_cast<uint32_t>(n_in);
    b.d.m->start_i = 1;  // SETUP: reads word 0
    b.Tick();
    b.d.m->start_i = 0;
    b.d.m->en_i = 1;
    std::vector<int> got;
    int cycles = 0, blocked = 0;
    while (true) {
      bool full = pressure && (g() % 3 == 0);
      b.d.m->full_i = full;
      b.d.m->eval();
      if (b.d.m->done_o) break;
      if (b.d.m->push_o) {
        ASSERT_FALSE(full) << "pushed into a full FIFO";
        got.push_back(b.d.m->index_o);
      }
      blocked += full;
      b.Tick();
      ASSERT_LT(++cycles, 1000);
    }
    b.d.m->en_i = 0;
    EXPECT_EQ(got, want);
    if (!pressure) {
      // Without back-pressure: one LOAD per word plus one cycle per index.
      int words = (n_in + 7) / 8;
      EXPECT_EQ(cycles, words + static_cast<int>(want.size()));
    }
  }
}

// ----------------------------------------------------------------- DAC lane (ACC_BITS 12, DAC_BITS
// 6)

TEST(RtlDacLane, ExhaustiveAgainstReference) {
  Dut<Vblk_dac> d;
  int checked = 0, clamps = 0;
  for (int shift = 0; shift < 64; shift++) {
    for (int acc = -2048; acc < 2048; acc++) {
      d.m->acc_i = static_cast<uint32_t>(acc) & 0xfffu;
      d.m->shift_i = static_cast<uint32_t>(shift);
      d.m->eval();
      // floor((acc + r) / 2^s), r = 2^(s-1) when it fits 13 bits.
      int64_t r = (shift >= 1 && shift <= 12) ? (int64_t{1} << (shift - 1)) : 0;
      int64_t x = acc + r;
      int64_t q = shift >= 63
                      ? (x < 0 ? -1 : 0)
                      : (x >= 0 ? x >> shift : -((-x + (int64_t{1} << shift) - 1) >> shift));
      int64_t c = q > 31 ? 31 : q < -32 ? -32 : q;
      int code = static_cast<int>(d.m->code_o);
      code = code >= 32 ? code - 64 : code;
      ASSERT_EQ(code, c) << "acc " << acc << " shift " << shift;
      ASSERT_EQ(d.m->sat_o, q != c) << "acc " << acc << " shift " << shift;
      clamps += q != c;
      checked++;
    }
  }
  EXPECT_EQ(checked, 64 * 4096);
  EXPECT_GT(clamps, 0);
}

}  // namespace
