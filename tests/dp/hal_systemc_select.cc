// Test-only bridge (rtl_tests): until the HAL core (sim/hal/hal.c) names
// the `systemc` backend itself, rtl_tests is linked with
// -Wl,--wrap=pbit_hal_rtl_backend, and pbit_hal_open(backend "rtl") opens
// the `systemc` backend while a haltest::UseSystemc object is alive.
// pbit_hal_backend() of such a handle reads "systemc".
#include "hal_systemc_select.h"

#include "hal_systemc.h"

extern "C" const pbit_hal_backend_t *__real_pbit_hal_rtl_backend(void);
extern "C" const pbit_hal_backend_t *__wrap_pbit_hal_rtl_backend(void);

namespace {
int g_systemc = 0;
}

extern "C" const pbit_hal_backend_t *__wrap_pbit_hal_rtl_backend(void) {
  return g_systemc > 0 ? pbit_hal_systemc_backend() : __real_pbit_hal_rtl_backend();
}

namespace haltest {
UseSystemc::UseSystemc() { g_systemc++; }
UseSystemc::~UseSystemc() { g_systemc--; }
}  // namespace haltest
