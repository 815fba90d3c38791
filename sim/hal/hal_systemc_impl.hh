// The `systemc` HAL backend, internals (sim/hal/hal_systemc*.cc): the
// datapath verilated with --sc (one build per accel config, prefix
// Vdp_sc_<name>) inside a SystemC module with its own gated clock
// (period = accel clock_ns, in ns). Internal to sim/hal/.
#ifndef PBIT_HAL_SYSTEMC_IMPL_HH
#define PBIT_HAL_SYSTEMC_IMPL_HH

#include <systemc.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "hal_backend.h"
#include "verilated.h"
#include "verilated_syms.h"

namespace pbitsc {

// Bits [lsb, lsb + width) of a port value (uint32_t, uint64_t or sc_bv<N>).
template <class T>
static inline uint32_t sc_port_bits(const T &v, int lsb, int width) {
  if constexpr (std::is_integral<T>::value) {
    return static_cast<uint32_t>((static_cast<uint64_t>(v) >> lsb) & ((uint64_t{1} << width) - 1));
  } else {
    return static_cast<uint32_t>(v.range(lsb + width - 1, lsb).to_uint());
  }
}

// The p-bit array of a slot, as a SystemC module beside the datapath. The
// devices are analog, so their physics stays the C cycle model
// (pbit_model/array.h) that the HAL core keeps per tile, in cycles of the
// accel clock (dt = clock_ns, the slot's clock period); this module is where
// that model meets the RTL in SystemC time. Its ports listen to the
// datapath's DAC port (dac_valid_o, dac_chunk_o, dac_codes_o); a method
// sensitive to them runs in the delta cycle after the rising edge that puts
// a chunk on the port, decodes the lanes' two's-complement codes and hands
// them, with the slot's cycle number, to the sink the HAL core attached
// (pbit_hal_dac_sink_fn), which sets those units' p-bit inputs in that
// cycle. No clock process: the method runs only while chunks are emitted.
class PbitArray : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> dac_valid_i;
  sc_core::sc_in<uint32_t> dac_chunk_i;

  SC_HAS_PROCESS(PbitArray);
  // posedges: the slot's rising-edge count (the cycle a chunk belongs to).
  PbitArray(sc_core::sc_module_name nm, const uint64_t *posedges)
      : sc_core::sc_module(nm), pos_(posedges) {
    SC_METHOD(on_dac);
    sensitive << dac_valid_i.pos() << dac_chunk_i;
    dont_initialize();
  }

  void size(int lanes, int dac_bits, size_t max_units) {
    lanes_ = lanes;
    dac_bits_ = dac_bits;
    codes_.assign(max_units, 0);
    lane_codes_.assign(static_cast<size_t>(lanes), 0);
  }
  // From now on every chunk goes to fn(user, cycle - c0, ...), until it
  // returns an error or detach().
  void attach(pbit_hal_dac_sink_fn fn, void *user, uint64_t c0) {
    sink_ = fn;
    user_ = user;
    c0_ = c0;
  }
  void detach() { sink_ = nullptr; }
  uint64_t chunks() const { return chunks_; }
  uint64_t last_cycle() const { return last_; }  // rising-edge count of the last chunk
  const std::vector<int32_t> &codes() const { return codes_; }  // per unit, as last emitted

 protected:
  // Lane l's raw code field of the DAC port as it is now.
  virtual uint32_t raw_code(int lane) const = 0;
  int dac_bits_ = 2;

 private:
  void on_dac() {
    if (!dac_valid_i.read() || *pos_ == applied_) return;
    applied_ = *pos_;
    size_t base = static_cast<size_t>(dac_chunk_i.read()) * static_cast<size_t>(lanes_);
    uint32_t m = 1u << (dac_bits_ - 1);
    for (int l = 0; l < lanes_; l++) {
      int32_t v = static_cast<int32_t>((raw_code(l) ^ m) - m);
      lane_codes_[static_cast<size_t>(l)] = v;
      size_t unit = base + static_cast<size_t>(l);
      if (unit < codes_.size()) codes_[unit] = v;
    }
    chunks_++;
    last_ = *pos_;
    if (sink_ != nullptr && sink_(user_, *pos_ - c0_, dac_chunk_i.read(), lane_codes_.data(),
                                  static_cast<uint32_t>(lanes_)) != 0)
      sink_ = nullptr;
  }

  const uint64_t *pos_;
  uint64_t applied_ = ~uint64_t{0}, chunks_ = 0, last_ = 0, c0_ = 0;
  int lanes_ = 1;
  std::vector<int32_t> codes_, lane_codes_;
  pbit_hal_dac_sink_fn sink_ = nullptr;
  void *user_ = nullptr;
};

// The PbitArray of a build whose dac_codes_o has type CodesT.
template <class CodesT>
class PbitArrayImpl final : public PbitArray {
 public:
  sc_core::sc_in<CodesT> dac_codes_i;
  PbitArrayImpl(sc_core::sc_module_name nm, const uint64_t *posedges) : PbitArray(nm, posedges) {}

 private:
  uint32_t raw_code(int lane) const override {
    return sc_port_bits(dac_codes_i.read(), lane * dac_bits_, dac_bits_);
  }
};

// One slot: an instance of a build with its clock, bus signals and its
// p-bit array module on the DAC port. All slots are created (elaborated) together before the
// first sc_start: SystemC allows one elaboration per process.
//
// Clock: posedges at k*P + P/4, negedges at k*P + 3P/4 (absolute SystemC
// time), but only while the slot is driven; an idle slot's clock stays low,
// so it costs nothing and its datapath sees no edge (its state, counters
// and local clock count stand still). Two drivers, one at a time:
// - kDirect (plain code, between sc_start calls): the backend writes the
//   clock itself and runs sc_start for each half period: rise(), sc_start
//   to the negedge time, sample() the outputs of the posedge; the fall is
//   written with the next cycle's bus inputs (fall_with_inputs()), so the
//   model evaluates twice per cycle, as in the C++ harness, and no process
//   of ours runs.
// - kThread (an SC_THREAD bus master): the SC_METHOD gen() makes the clock
//   (next_trigger(P/2)) and, at every negedge, samples the outputs and
//   checks the stop condition armed by the thread (`n` more negedges, or
//   BUSY low), notifying `done_`. It sleeps on `wake_` in any other mode.
class Dut : public sc_core::sc_module {
 public:
  enum Mode { kIdle, kDirect, kThread };

  SC_HAS_PROCESS(Dut);
  Dut(sc_core::sc_module_name nm, const char *build, double clock_ns)
      : sc_core::sc_module(nm), build_(build), period_(clock_ns, sc_core::SC_NS) {
    half_ = period_ / 2;
    quarter_ = period_ / 4;
    rst_ni_.write(true);
    SC_METHOD(gen);
    sensitive << wake_;
    dont_initialize();
  }

  const char *build() const { return build_; }
  void set_bus(bool we, bool re, uint32_t addr, uint32_t wdata) {
    we_i_.write(we);
    re_i_.write(re);
    addr_i_.write(addr & 0xff);
    wdata_i_.write(wdata);
  }
  void set_idle_bus() {
    we_i_.write(false);
    re_i_.write(false);
  }
  void set_rst(bool rst_n) { rst_ni_.write(rst_n); }
  bool busy() const { return busy_o_.read(); }
  bool rvalid() const { return rvalid_o_.read(); }
  uint32_t rdata() const { return rdata_o_.read(); }
  uint64_t posedges() const { return pos_; }
  uint64_t negedges() const { return neg_; }
  const sc_core::sc_time &period() const { return period_; }
  const sc_core::sc_time &half() const { return half_; }
  virtual PbitArray &pbits() = 0;

  Mode mode() const { return mode_; }
  // Stops driving: a pending fall is written (the clock rests low).
  void deactivate() {
    if (clk_high_ && mode_ == kDirect) fall();
    mode_ = kIdle;
  }
  // Thread driver: gen() runs the clock from the next aligned posedge.
  void activate_thread() {
    if (clk_high_ && mode_ == kDirect) fall();
    mode_ = kThread;
    if (!sleeping_) return;  // its next posedge is already due
    sleeping_ = false;
    wake_.notify(next_posedge() - sc_core::sc_time_stamp());
  }
  // Direct driver (gen() goes to sleep at its next trigger, if any).
  void activate_direct() { mode_ = kDirect; }

  // kDirect steps. At a negedge time with the fall pending: write it (the
  // bus inputs are written alongside by the caller), run to the posedge.
  bool fall_pending() const { return clk_high_; }
  void fall() {
    clk_.write(false);
    clk_high_ = false;
  }
  // Otherwise the clock rests low: time to the first aligned posedge after
  // now (strictly after: the inputs just written are evaluated first).
  sc_core::sc_time time_to_posedge() const {
    sc_core::sc_time t = next_posedge(), now = sc_core::sc_time_stamp();
    return t > now ? t - now : t + period_ - now;
  }
  void rise() {
    clk_.write(true);
    clk_high_ = true;
    pos_++;
    last_pos_ = sc_core::sc_time_stamp().value();
  }
  // At the negedge time after rise() + sc_start(P/2): the posedge's outputs.
  void sample() { neg_++; }

  // kThread: stop condition checked at every negedge, `n` more negedges or
  // (until_idle) BUSY low; reached: done_event() is notified at once (the
  // waiting thread resumes at that negedge).
  void arm(uint64_t n, bool until_idle) {
    target_ = neg_ + n;
    until_idle_ = until_idle;
    armed_ = true;
  }
  const sc_core::sc_event &done_event() const { return done_; }

  // Waveforms of this slot's RTL from now on (VCD or FST, as the build
  // was verilated); "" or why not.
  virtual std::string trace_open(const char *path) = 0;
  // Zeroes the datapath's SRAMs (weights, bias, delta, accumulators, input
  // vector), as in a freshly constructed model; registers need a reset.
  virtual void clear_srams() = 0;
  virtual void trace_close() = 0;

 protected:
  // The first posedge of this slot at or after now (not one it already had).
  sc_core::sc_time next_posedge() const {
    using V = sc_core::sc_time::value_type;
    V t = sc_core::sc_time_stamp().value(), p = period_.value(), q = quarter_.value();
    V pp = t <= q ? q : ((t - q + p - 1) / p) * p + q;
    if (pos_ > 0 && pp == last_pos_) pp += p;
    return sc_core::sc_time::from_value(pp);
  }

  const char *build_;
  sc_core::sc_time period_, half_, quarter_;
  // The clock and bus inputs are written by plain code, gen() and
  // successive firmware threads (pbit_hal_systemc_run): several writers,
  // one at a time; each output has one writer, the model. Writer checks
  // are off (SC_UNCHECKED_WRITERS): with SC_MANY_WRITERS every write,
  // changed or not, requests an update phase, and SC_ONE_WRITER compares
  // process handles on every write; together they cost about a quarter of
  // the time per clock (docs/performance.md). Who writes is fixed by this
  // class, so the checks could never fire.
  template <class T>
  using Sig = sc_core::sc_signal<T, sc_core::SC_UNCHECKED_WRITERS>;
  Sig<bool> clk_, rst_ni_, we_i_, re_i_;
  Sig<uint32_t> addr_i_, wdata_i_;
  Sig<bool> rvalid_o_, ready_o_, busy_o_, done_o_, dac_valid_o_;
  Sig<uint32_t> rdata_o_, dac_chunk_o_;
  uint64_t pos_ = 0, neg_ = 0;

 private:
  void gen() {
    if (mode_ != kThread) {
      sleeping_ = true;
      next_trigger();  // back to the static sensitivity: wake_
      return;
    }
    if (!clk_high_) {  // a posedge is due
      rise();
      next_trigger(half_);
      return;
    }
    // Negedge: the outputs of the posedge are stable here.
    sample();
    fall();
    next_trigger(half_);
    if (armed_ && (neg_ >= target_ || (until_idle_ && !busy_o_.read()))) {
      armed_ = false;
      done_.notify();
    }
  }

  sc_core::sc_event wake_, done_;
  Mode mode_ = kIdle;
  bool clk_high_ = false, sleeping_ = true, armed_ = false, until_idle_ = false;
  uint64_t target_ = 0;
  sc_core::sc_time::value_type last_pos_ = 0;
};

// Creates slot `slot` of build <name> as a child of the current elaboration
// context; the clock period comes from the accel YAML (clock_ns) and is
// baked in at creation time.
using Factory = Dut *(*)(double clock_ns, int slot);

// The verilated top V in a slot; CodesT is the type of dac_codes_o, Tfp the
// Verilator SystemC trace class of the build (void: built without --trace).
template <class V, class CodesT, class Tfp>
class DutImpl final : public Dut {
 public:
  DutImpl(sc_core::sc_module_name nm, const char *build, double clock_ns)
      : Dut(nm, build, clock_ns), top_("dut"), pbits_("pbits", &pos_) {
    top_.clk_i(clk_);
    top_.rst_ni(rst_ni_);
    top_.addr_i(addr_i_);
    top_.we_i(we_i_);
    top_.re_i(re_i_);
    top_.wdata_i(wdata_i_);
    top_.rvalid_o(rvalid_o_);
    top_.ready_o(ready_o_);
    top_.busy_o(busy_o_);
    top_.done_o(done_o_);
    top_.dac_valid_o(dac_valid_o_);
    top_.dac_chunk_o(dac_chunk_o_);
    top_.rdata_o(rdata_o_);
    top_.dac_codes_o(dac_codes_o_);
    pbits_.dac_valid_i(dac_valid_o_);
    pbits_.dac_chunk_i(dac_chunk_o_);
    pbits_.dac_codes_i(dac_codes_o_);
  }

  PbitArray &pbits() override { return pbits_; }
  // Every variable the control file made public (rtl/sc_public.vlt: the
  // SRAM arrays) in this model's scopes, found by name through Verilator's
  // scope table, so any RTL works whose memories the file lists.
  void clear_srams() override {
    const std::string prefix = std::string(top_.hierName()) + ".";
    const VerilatedScopeNameMap *scopes = top_.contextp()->scopeNameMap();
    if (scopes == nullptr) return;
    for (const auto &sc : *scopes) {
      if (std::strncmp(sc.first, prefix.c_str(), prefix.size()) != 0 || !sc.second->varsp())
        continue;
      for (auto &v : *sc.second->varsp())
        if (v.second.isPublicRW()) std::memset(v.second.datap(), 0, v.second.totalSize());
    }
  }

  std::string trace_open(const char *path) override {
    if constexpr (std::is_void<Tfp>::value) {
      (void)path;
      return std::string("the SystemC build '") + build_ + "' was verilated without --trace";
    } else {
      trace_close();
      // A trace file takes models only before its first dump, so each
      // trace gets a fresh one (registered with the kernel, which calls
      // it after every time step).
      tfp_.reset(new Tfp);
      top_.trace(tfp_.get(), 99);
      tfp_->open(path);
      if (!tfp_->isOpen()) {
        trace_close();
        return std::string("cannot open '") + path + "' for writing";
      }
      return "";
    }
  }
  void trace_close() override {
    if constexpr (!std::is_void<Tfp>::value) {
      if (!tfp_) return;
      tfp_->close();
      // VerilatedVcdSc derives privately from sc_trace_file: a C-style
      // cast is the only way to name that base.
      sc_core::sc_get_curr_simcontext()->remove_trace_file(
          (sc_core::sc_trace_file *)tfp_.get());  // NOLINT(google-readability-casting)
      tfp_.reset();
    }
  }

 private:
  Sig<CodesT> dac_codes_o_;
  V top_;
  PbitArrayImpl<CodesT> pbits_;
  std::unique_ptr<std::conditional_t<std::is_void<Tfp>::value, int, Tfp>> tfp_;
};

}  // namespace pbitsc

#endif  // PBIT_HAL_SYSTEMC_IMPL_HH
