# sim/cli/: the pbitsim program. It links every library: the p-bit model,
# the datapath model and RTL builds (C++, hence the C++ link), the HAL with
# its three backends (model, rtl, systemc), the BSFF firmware, the FF
# baseline, the data loaders and the energy ledger. The sanitizer build has
# the model backend only.
SIM_CLI_SRCS := $(wildcard sim/cli/*.c)
PBITSIM_LIBS := $(SIM_HAL_RTL_OBJ) $(SIM_HAL_SC_LIBS) $(SIM_HAL_LIB) $(BSFF_LIB) $(FF_LIB) \
  $(SIM_ENERGY_LIB) $(SIM_DATA_LIB) $(SIM_DP_RTL_LIBS) $(SIM_DP_LIB) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB)
PBITSIM_ASAN_LIBS := $(SIM_HAL_ASAN_LIB) $(BSFF_ASAN_LIB) $(FF_ASAN_LIB) $(SIM_ENERGY_ASAN_LIB) \
  $(SIM_DATA_ASAN_LIB) $(SIM_DP_RTL_ASAN_LIB) $(SIM_DP_ASAN_LIB) $(SIM_CONFIG_ASAN_LIB) $(PBIT_MODEL_ASAN_LIB)
$(call obj-of,$(SIM_CLI_SRCS)) $(call asan-obj-of,$(SIM_CLI_SRCS)): CPPFLAGS += -Ifirmware -Isim/hal
$(BUILD)/bin/pbitsim: $(call obj-of,$(SIM_CLI_SRCS)) $(PBITSIM_LIBS)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS) $(VL_LDLIBS) $(SC_LDLIBS)
$(BUILD)/asan/bin/pbitsim: $(call asan-obj-of,$(SIM_CLI_SRCS)) $(PBITSIM_ASAN_LIBS)
	@mkdir -p $(@D)
	$(CXX) $(ASAN_CXXFLAGS) $^ -o $@ $(LDLIBS)

ALL_TARGETS += $(BUILD)/bin/pbitsim
TEST_TARGETS += $(BUILD)/asan/bin/pbitsim
