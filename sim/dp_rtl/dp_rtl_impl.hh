// The harness proper: one template over the verilated top class, so that
// every build (Vdp_small, Vdp_wide, Vdp_tiny_fst, ...) shares the same code.
// Internal to sim/dp_rtl/.
#ifndef PBIT_DP_RTL_IMPL_HH
#define PBIT_DP_RTL_IMPL_HH

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "verilated.h"

namespace pbitdp {

// What the C interface needs from one build.
class Model {
 public:
  virtual ~Model() = default;
  virtual void reset() = 0;
  virtual void write(uint32_t addr, uint32_t data) = 0;
  virtual bool read(uint32_t addr, uint32_t *data) = 0;
  virtual bool wait_idle(uint64_t max_cycles) = 0;
  virtual bool busy() const = 0;
  virtual uint64_t cycles() const = 0;
  virtual const std::vector<int32_t> &dac() const = 0;
  virtual uint64_t dac_chunks() const = 0;
  virtual uint64_t dac_last_cycle() const = 0;
  // Waveforms from now on into path, in the format of the build, with a
  // time axis in ps (clock period clock_ns); "" or why not.
  virtual std::string trace_open(const char *path, double clock_ns) = 0;
  virtual void trace_close() = 0;
};

using Factory = Model *(*)();

struct Build {
  const char *name;
  Factory create;
  int trace_format;  // 0 (no trace code), PBIT_DP_TRACE_VCD or _FST
};

// Bits [lsb, lsb + width) of a verilated port (width <= 32).
template <class T>
static inline uint32_t port_bits(const T &v, int lsb, int width) {
  if constexpr (std::is_integral<T>::value) {
    return static_cast<uint32_t>((static_cast<uint64_t>(v) >> lsb) & ((uint64_t{1} << width) - 1));
  } else {
    // VlWide<N>: N 32-bit words, little-endian.
    constexpr int kWords = static_cast<int>(sizeof(T) / sizeof(uint32_t));
    uint64_t lo = v.at(static_cast<size_t>(lsb / 32));
    uint64_t hi = (lsb / 32 + 1 < kWords) ? v.at(static_cast<size_t>(lsb / 32 + 1)) : 0;
    uint64_t both = lo | (hi << 32);
    return static_cast<uint32_t>((both >> (lsb % 32)) & ((uint64_t{1} << width) - 1));
  }
}

// V: the verilated top; Tfp: its trace class (VerilatedVcdC or
// VerilatedFstC, as it was verilated with --trace or --trace-fst; void
// without trace code).
template <class V, class Tfp>
class ModelImpl final : public Model {
 public:
  ModelImpl() {
    ctx_.reset(new VerilatedContext);
    ctx_->randReset(0);       // undefined state starts at zero (as documented)
    ctx_->traceEverOn(true);  // must precede the model; costs nothing until a trace opens
    top_.reset(new V(ctx_.get(), "top"));
    top_->clk_i = 0;
    top_->rst_ni = 1;
    top_->we_i = 0;
    top_->re_i = 0;
    top_->addr_i = 0;
    top_->wdata_i = 0;
    top_->eval();
    reset();
    // The DAC port layout comes from the build's own parameter registers.
    uint32_t v = 0;
    read(0x02, &v);  // LANES
    lanes_ = static_cast<int>(v);
    read(0x05, &v);  // DAC_BITS
    dac_bits_ = static_cast<int>(v);
    read(0x09, &v);  // MAX_UNITS
    dac_.assign(v, 0);
  }
  ~ModelImpl() override {
    trace_close();
    top_->final();
  }

  void reset() override {
    top_->rst_ni = 0;
    top_->eval();
    tick();
    tick();
    top_->rst_ni = 1;
    top_->eval();
  }

  void write(uint32_t addr, uint32_t data) override {
    top_->addr_i = addr & 0xff;
    top_->wdata_i = data;
    top_->we_i = 1;
    top_->re_i = 0;
    tick();
    top_->we_i = 0;
  }

  bool read(uint32_t addr, uint32_t *data) override {
    top_->addr_i = addr & 0xff;
    top_->we_i = 0;
    top_->re_i = 1;
    tick();
    top_->re_i = 0;
    *data = top_->rdata_o;
    return top_->rvalid_o != 0;
  }

  bool wait_idle(uint64_t max_cycles) override {
    for (uint64_t k = 0; k < max_cycles; k++) {
      if (!top_->busy_o) return true;
      tick();
    }
    return !top_->busy_o;
  }

  bool busy() const override { return top_->busy_o != 0; }
  uint64_t cycles() const override { return cycles_; }
  const std::vector<int32_t> &dac() const override { return dac_; }
  uint64_t dac_chunks() const override { return dac_chunks_; }
  uint64_t dac_last_cycle() const override { return dac_last_; }

  std::string trace_open(const char *path, double clock_ns) override {
    if constexpr (std::is_void<Tfp>::value) {
      (void)path;
      (void)clock_ns;
      return "this RTL build has no trace code";
    } else {
      trace_close();
      // A trace object takes models only before its first dump: a fresh one
      // per file. Time in ps: the clock falls (inputs applied) at k*P and
      // rises at k*P + P/2, k = the clock count.
      period_ps_ = static_cast<uint64_t>(clock_ns * 1000.0 + 0.5);
      if (period_ps_ < 2) period_ps_ = 2;
      tfp_.reset(new Tfp);
      top_->trace(tfp_.get(), 99);
      tfp_->set_time_unit("1ps");
      tfp_->set_time_resolution("1ps");
      tfp_->open(path);
      if (!tfp_->isOpen()) {
        tfp_.reset();
        return std::string("cannot open '") + path + "' for writing";
      }
      return "";
    }
  }
  void trace_close() override {
    if constexpr (!std::is_void<Tfp>::value) {
      if (!tfp_) return;
      tfp_->close();
      tfp_.reset();
    }
  }

 private:
  // One clock cycle: inputs are applied while the clock is low, the flops
  // take them at the rising edge, outputs are read after it.
  void tick() {
    top_->clk_i = 0;
    top_->eval();
    if constexpr (!std::is_void<Tfp>::value) {
      if (VL_UNLIKELY(tfp_ != nullptr)) tfp_->dump(cycles_ * period_ps_);
    }
    top_->clk_i = 1;
    top_->eval();
    if constexpr (!std::is_void<Tfp>::value) {
      if (VL_UNLIKELY(tfp_ != nullptr)) tfp_->dump(cycles_ * period_ps_ + period_ps_ / 2);
    }
    cycles_++;
    if (top_->dac_valid_o) capture_dac();
  }

  void capture_dac() {
    size_t base = static_cast<size_t>(top_->dac_chunk_o) * static_cast<size_t>(lanes_);
    for (int l = 0; l < lanes_; l++) {
      size_t unit = base + static_cast<size_t>(l);
      if (unit >= dac_.size()) break;
      uint32_t raw = port_bits(top_->dac_codes_o, l * dac_bits_, dac_bits_);
      uint32_t m = 1u << (dac_bits_ - 1);
      dac_[unit] = static_cast<int32_t>((raw ^ m) - m);
    }
    dac_chunks_++;
    dac_last_ = cycles_;
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
  std::unique_ptr<std::conditional_t<std::is_void<Tfp>::value, int, Tfp>> tfp_;
  uint64_t period_ps_ = 2000;
  int lanes_ = 1, dac_bits_ = 2;
  std::vector<int32_t> dac_;
  uint64_t cycles_ = 0, dac_chunks_ = 0, dac_last_ = 0;
};

}  // namespace pbitdp

#endif  // PBIT_DP_RTL_IMPL_HH
