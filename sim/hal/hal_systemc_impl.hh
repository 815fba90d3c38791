// The `systemc` HAL backend, internals (sim/hal/hal_systemc*.cc): the
// datapath verilated with --sc (one build per accel config, prefix
// Vdp_sc_<name>) inside a SystemC module with its own sc_clock
// (period = accel clock_ns, in ns). Internal to sim/hal/.
#ifndef PBIT_HAL_SYSTEMC_IMPL_HH
#define PBIT_HAL_SYSTEMC_IMPL_HH

#include <systemc.h>

#include <cstdint>
#include <type_traits>
#include <vector>

namespace pbitsc {

// What the backend needs from one SystemC build. All of them are created
// (elaborated) together before the first sc_start: SystemC allows one
// elaboration per process.
class Dut {
 public:
  virtual ~Dut() = default;
  virtual const char *name() const = 0;
  virtual void set_bus(bool we, bool re, uint32_t addr, uint32_t wdata) = 0;
  virtual void set_rst(bool rst_n) = 0;
  virtual bool busy() const = 0;
  virtual bool rvalid() const = 0;
  virtual uint32_t rdata() const = 0;
  virtual uint64_t posedges() const = 0;  // rising clock edges so far
  virtual uint64_t negedges() const = 0;  // falling edges (outputs sampled there)
  virtual sc_core::sc_time period() const = 0;
  virtual const std::vector<int32_t> &dac() const = 0;
  virtual uint64_t dac_chunks() const = 0;
  virtual uint64_t dac_last_cycle() const = 0;  // posedge count of the last chunk
  virtual void size_dac(int lanes, int dac_bits, size_t max_units) = 0;
};

// Creates build <name> as a child of the current elaboration context; the
// clock period comes from the accel YAML (clock_ns) and is baked in at
// creation time.
using Factory = Dut *(*)(double clock_ns);

// Bits [lsb, lsb + width) of a port value (uint32_t, uint64_t or sc_bv<N>).
template <class T>
static inline uint32_t sc_port_bits(const T &v, int lsb, int width) {
  if constexpr (std::is_integral<T>::value) {
    return static_cast<uint32_t>((static_cast<uint64_t>(v) >> lsb) & ((uint64_t{1} << width) - 1));
  } else {
    return static_cast<uint32_t>(v.range(lsb + width - 1, lsb).to_uint());
  }
}

// Clock: posedge at k*P + P/4, negedge at k*P + 3P/4. Inputs written
// between sc_start calls apply before the next posedge; the outputs of a
// posedge are sampled at the following negedge, strictly inside the step.
template <class V, class CodesT>
class DutImpl final : public sc_core::sc_module, public Dut {
 public:
  SC_HAS_PROCESS(DutImpl);
  DutImpl(sc_core::sc_module_name nm, const char *build, double clock_ns)
      : sc_core::sc_module(nm),
        build_(build),
        period_(clock_ns, sc_core::SC_NS),
        clk_("clk", period_, 0.5, period_ / 4, true),
        top_("dut") {
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
    rst_ni_.write(true);
    SC_METHOD(on_pos);
    sensitive << clk_.posedge_event();
    dont_initialize();
    SC_METHOD(on_neg);
    sensitive << clk_.negedge_event();
    dont_initialize();
  }

  const char *name() const override { return build_; }
  void set_bus(bool we, bool re, uint32_t addr, uint32_t wdata) override {
    we_i_.write(we);
    re_i_.write(re);
    addr_i_.write(addr & 0xff);
    wdata_i_.write(wdata);
  }
  void set_rst(bool rst_n) override { rst_ni_.write(rst_n); }
  bool busy() const override { return busy_o_.read(); }
  bool rvalid() const override { return rvalid_o_.read(); }
  uint32_t rdata() const override { return rdata_o_.read(); }
  uint64_t posedges() const override { return pos_; }
  uint64_t negedges() const override { return neg_; }
  sc_core::sc_time period() const override { return period_; }
  const std::vector<int32_t> &dac() const override { return dac_; }
  uint64_t dac_chunks() const override { return chunks_; }
  uint64_t dac_last_cycle() const override { return last_; }
  void size_dac(int lanes, int dac_bits, size_t max_units) override {
    lanes_ = lanes;
    dac_bits_ = dac_bits;
    dac_.assign(max_units, 0);
  }

 private:
  void on_pos() { pos_++; }
  void on_neg() {
    neg_++;
    if (!dac_valid_o_.read() || dac_.empty()) return;
    size_t base = static_cast<size_t>(dac_chunk_o_.read()) * static_cast<size_t>(lanes_);
    const CodesT v = dac_codes_o_.read();
    for (int l = 0; l < lanes_; l++) {
      size_t unit = base + static_cast<size_t>(l);
      if (unit >= dac_.size()) break;
      uint32_t raw = sc_port_bits(v, l * dac_bits_, dac_bits_);
      uint32_t m = 1u << (dac_bits_ - 1);
      dac_[unit] = static_cast<int32_t>((raw ^ m) - m);
    }
    chunks_++;
    last_ = pos_;
  }

  const char *build_;
  sc_core::sc_time period_;
  sc_core::sc_clock clk_;
  sc_core::sc_signal<bool> rst_ni_, we_i_, re_i_, rvalid_o_, ready_o_, busy_o_, done_o_,
      dac_valid_o_;
  sc_core::sc_signal<uint32_t> addr_i_, wdata_i_, rdata_o_, dac_chunk_o_;
  sc_core::sc_signal<CodesT> dac_codes_o_;
  V top_;
  int lanes_ = 1, dac_bits_ = 2;
  std::vector<int32_t> dac_;
  uint64_t pos_ = 0, neg_ = 0, chunks_ = 0, last_ = 0;
};

}  // namespace pbitsc

#endif  // PBIT_HAL_SYSTEMC_IMPL_HH
