# tests/: GoogleTest unit tests, one file per module, mirroring the sources.
# The same tests are built twice: optimised and under ASan+UBSan.
# tests/dp/rtl_*_test.cc drive verilated RTL: they go into rtl_tests below.
RTL_TEST_SRCS := $(wildcard tests/dp/rtl_*_test.cc)
TEST_SRCS := $(filter-out $(RTL_TEST_SRCS),$(wildcard tests/*/*_test.cc))
TEST_LIBS := -lgtest_main -lgtest
$(BUILD)/bin/unit_tests: $(call obj-of,$(TEST_SRCS)) $(BSFF_LIB) $(SIM_HAL_LIB) $(SIM_DP_LIB) $(FF_LIB) $(SIM_DATA_LIB) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(TEST_LIBS) $(LDLIBS)
$(BUILD)/asan/bin/unit_tests: $(call asan-obj-of,$(TEST_SRCS)) $(BSFF_ASAN_LIB) $(SIM_HAL_ASAN_LIB) $(SIM_DP_ASAN_LIB) $(FF_ASAN_LIB) $(SIM_DATA_ASAN_LIB) $(SIM_CONFIG_ASAN_LIB) $(PBIT_MODEL_ASAN_LIB)
	@mkdir -p $(@D)
	$(CXX) $(ASAN_CXXFLAGS) $^ -o $@ $(TEST_LIBS) $(LDLIBS)
TEST_TARGETS += $(BUILD)/bin/unit_tests $(BUILD)/asan/bin/unit_tests
$(call obj-of,tests/firmware/bsff_test.cc) $(call asan-obj-of,tests/firmware/bsff_test.cc): \
  CPPFLAGS += -Isim/hal

# RTL tests (not under ASan): lockstep against the C model on the verilated
# accelerator builds, directed tests of single verilated blocks.
$(call obj-of,$(RTL_TEST_SRCS)): CPPFLAGS += $(VL_CPPFLAGS) $(foreach b,$(RTL_BLOCKS),-isystem $(BUILD)/rtl/blk_$(b)/gen)
$(call obj-of,$(RTL_TEST_SRCS)): | $(RTL_BLOCK_OBJS)
# The `systemc` backend too (sim/hal/hal_systemc.mk).
RTL_TEST_SC_SRCS := $(wildcard tests/dp/rtl_systemc*_test.cc tests/dp/rtl_trace*_test.cc)
$(call obj-of,$(RTL_TEST_SC_SRCS)): CPPFLAGS += -Ifirmware -Isim/hal -Itests/hal
$(BUILD)/bin/rtl_tests: $(call obj-of,$(sort $(RTL_TEST_SRCS) $(RTL_TEST_SC_SRCS))) $(SIM_HAL_RTL_OBJ) $(SIM_HAL_SC_LIBS) $(SIM_HAL_LIB) $(SIM_DP_RTL_TEST_LIBS) $(SIM_DP_LIB) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(TEST_LIBS) $(LDLIBS) $(VL_LDLIBS) $(SC_LDLIBS)
TEST_TARGETS += $(BUILD)/bin/rtl_tests
