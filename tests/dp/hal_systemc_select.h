// See hal_systemc_select.cc: while alive, pbit_hal_open("rtl") opens the
// `systemc` backend (test-only, rtl_tests).
#ifndef PBIT_TESTS_HAL_SYSTEMC_SELECT_H
#define PBIT_TESTS_HAL_SYSTEMC_SELECT_H

namespace haltest {
class UseSystemc {
 public:
  UseSystemc();
  ~UseSystemc();
  UseSystemc(const UseSystemc &) = delete;
  UseSystemc &operator=(const UseSystemc &) = delete;
};
}  // namespace haltest

#endif  // PBIT_TESTS_HAL_SYSTEMC_SELECT_H
