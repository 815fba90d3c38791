# sim/config/: YAML config loading (libyaml) into the plain structs of the
# libraries. sim/cli/: the pbitsim program. sim/tools/: data converters.
SIM_CONFIG_SRCS := $(wildcard sim/config/*.c)
SIM_CONFIG_LIB := $(BUILD)/lib/libpbit_config.a
SIM_CONFIG_ASAN_LIB := $(BUILD)/asan/lib/libpbit_config.a
$(SIM_CONFIG_LIB): $(call obj-of,$(SIM_CONFIG_SRCS))
$(SIM_CONFIG_ASAN_LIB): $(call asan-obj-of,$(SIM_CONFIG_SRCS))

# pbitsim links the datapath model and the verilated RTL builds (sim/dp/,
# sim/dp_rtl/: C++, hence the C++ link); the sanitizer build has no RTL.
SIM_CLI_SRCS := $(wildcard sim/cli/*.c)
$(BUILD)/bin/pbitsim: $(call obj-of,$(SIM_CLI_SRCS)) $(SIM_DP_RTL_LIBS) $(SIM_DP_LIB) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS) $(VL_LDLIBS)
$(BUILD)/asan/bin/pbitsim: $(call asan-obj-of,$(SIM_CLI_SRCS)) $(SIM_DP_RTL_ASAN_LIB) $(SIM_DP_ASAN_LIB) $(SIM_CONFIG_ASAN_LIB) $(PBIT_MODEL_ASAN_LIB)
	@mkdir -p $(@D)
	$(CXX) $(ASAN_CXXFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/bin/mnist_json2idx: $(call obj-of,sim/tools/mnist_json2idx.c)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

ALL_TARGETS += $(BUILD)/bin/pbitsim $(BUILD)/bin/mnist_json2idx
TEST_TARGETS += $(BUILD)/asan/bin/pbitsim
