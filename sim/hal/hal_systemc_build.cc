// One SystemC build of the datapath for the `systemc` HAL backend, compiled
// once per accelerator configuration with -DPBIT_SC_NAME=<id> and the
// include path of its Verilator --sc output (Vdp_sc_<id>.h).
#include "hal_systemc_impl.hh"

#define PBIT_CAT2(a, b) a##b
#define PBIT_CAT(a, b) PBIT_CAT2(a, b)
#define PBIT_STR2(a) #a
#define PBIT_STR(a) PBIT_STR2(a)

#define PBIT_SC_VTOP PBIT_CAT(Vdp_sc_, PBIT_SC_NAME)
#include PBIT_STR(PBIT_SC_VTOP.h)

namespace pbitsc {
namespace {
// The type of dac_codes_o as Verilator declared it (uint32_t, uint64_t or sc_bv<N>).
using CodesT = std::remove_reference_t<decltype(std::declval<PBIT_SC_VTOP &>().dac_codes_o.read())>;
}  // namespace
Dut *PBIT_CAT(sc_create_, PBIT_SC_NAME)(double clock_ns) {
  return new DutImpl<PBIT_SC_VTOP, std::decay_t<CodesT>>(PBIT_STR(PBIT_CAT(dut_, PBIT_SC_NAME)),
                                                         PBIT_STR(PBIT_SC_NAME), clock_ns);
}
}  // namespace pbitsc
