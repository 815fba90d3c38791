// One SystemC build of the datapath for the `systemc` HAL backend, compiled
// once per accelerator configuration with -DPBIT_SC_NAME=<id> and the
// include path of its Verilator --sc output (Vdp_sc_<id>.h). With
// -DPBIT_SC_TRACE=1 the build was verilated with --trace (VCD), with 2 with
// --trace-fst (FST).
#include "hal_systemc_impl.hh"

#if PBIT_SC_TRACE == 1
#include "verilated_vcd_sc.h"
#elif PBIT_SC_TRACE == 2
#include "verilated_fst_sc.h"
#endif

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
#if PBIT_SC_TRACE == 1
using TraceT = VerilatedVcdSc;
#elif PBIT_SC_TRACE == 2
using TraceT = VerilatedFstSc;
#else
using TraceT = void;
#endif
}  // namespace
Dut *PBIT_CAT(sc_create_, PBIT_SC_NAME)(double clock_ns, int slot) {
  std::string nm = std::string(PBIT_STR(PBIT_CAT(dut_, PBIT_SC_NAME))) + "_" + std::to_string(slot);
  return new DutImpl<PBIT_SC_VTOP, std::decay_t<CodesT>, TraceT>(nm.c_str(), PBIT_STR(PBIT_SC_NAME),
                                                                 clock_ns);
}
}  // namespace pbitsc
