// One verilated build of the datapath, compiled once per accelerator
// configuration with -DPBIT_DP_RTL_NAME=<name> and the include path of its
// Verilator output (build/rtl/<name>/), which holds Vdp_<name>.h.
#include "dp_rtl_impl.hh"

#define PBIT_CAT2(a, b) a##b
#define PBIT_CAT(a, b) PBIT_CAT2(a, b)
#define PBIT_STR2(a) #a
#define PBIT_STR(a) PBIT_STR2(a)

#define PBIT_VTOP PBIT_CAT(Vdp_, PBIT_DP_RTL_NAME)
#include PBIT_STR(PBIT_VTOP.h)

namespace pbitdp {
Model *PBIT_CAT(create_, PBIT_DP_RTL_NAME)() { return new ModelImpl<PBIT_VTOP>(); }
}  // namespace pbitdp
