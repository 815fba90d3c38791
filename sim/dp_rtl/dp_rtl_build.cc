// One verilated build of the datapath, compiled once per accelerator
// configuration with -DPBIT_DP_RTL_NAME=<id> and the include path of its
// Verilator output (build/rtl/<name>/), which holds Vdp_<id>.h;
// -DPBIT_DP_RTL_TRACE=0 for a build without trace code, 1 for one verilated
// with --trace (VCD), 2 for --trace-fst (FST).
#include "dp_rtl_impl.hh"

#if PBIT_DP_RTL_TRACE == 2
#include "verilated_fst_c.h"
#define PBIT_DP_RTL_TFP VerilatedFstC
#elif PBIT_DP_RTL_TRACE == 1
#include "verilated_vcd_c.h"
#define PBIT_DP_RTL_TFP VerilatedVcdC
#else
#define PBIT_DP_RTL_TFP void
#endif

#define PBIT_CAT2(a, b) a##b
#define PBIT_CAT(a, b) PBIT_CAT2(a, b)
#define PBIT_STR2(a) #a
#define PBIT_STR(a) PBIT_STR2(a)

#define PBIT_VTOP PBIT_CAT(Vdp_, PBIT_DP_RTL_NAME)
#include PBIT_STR(PBIT_VTOP.h)

namespace pbitdp {
Model *PBIT_CAT(create_, PBIT_DP_RTL_NAME)() { return new ModelImpl<PBIT_VTOP, PBIT_DP_RTL_TFP>(); }
}  // namespace pbitdp
