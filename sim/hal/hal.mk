# sim/hal/: the backends of the firmware HAL (firmware/hal/hal.h), and
# firmware/layer.c, the layer-step firmware written against it.
#   libpbit_hal.a     HAL core + `model` backend + firmware layer step
#                     (optimised and ASan+UBSan)
#   hal_rtl.o         the `rtl` backend (Verilator harness). Linked as an
#                     object, not from an archive: the core refers to it
#                     weakly, and a weak reference pulls no archive member.
SIM_HAL_SRCS := sim/hal/hal.c sim/hal/hal_model.c firmware/layer.c
SIM_HAL_LIB := $(BUILD)/lib/libpbit_hal.a
SIM_HAL_ASAN_LIB := $(BUILD)/asan/lib/libpbit_hal.a
$(SIM_HAL_LIB): $(call obj-of,$(SIM_HAL_SRCS))
$(SIM_HAL_ASAN_LIB): $(call asan-obj-of,$(SIM_HAL_SRCS))
SIM_HAL_RTL_OBJ := $(call obj-of,sim/hal/hal_rtl.c)

# hal/hal.h lives in firmware/; the HAL tests include sim/hal/ and firmware/.
HAL_TEST_SRCS := $(wildcard tests/hal/*_test.cc) tests/dp/rtl_cosim_test.cc
$(call obj-of,$(SIM_HAL_SRCS) sim/hal/hal_rtl.c) $(call asan-obj-of,$(SIM_HAL_SRCS)): \
  CPPFLAGS += -Ifirmware
$(call obj-of,$(HAL_TEST_SRCS)) $(call asan-obj-of,$(HAL_TEST_SRCS)): \
  CPPFLAGS += -Ifirmware -Isim/hal -Itests/hal
