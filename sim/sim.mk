# sim/config/: YAML config loading (libyaml) into the plain structs of the
# libraries. sim/cli/: the pbitsim program. sim/tools/: data converters.
SIM_CONFIG_SRCS := $(wildcard sim/config/*.c)
SIM_CONFIG_LIB := $(BUILD)/lib/libpbit_config.a
SIM_CONFIG_ASAN_LIB := $(BUILD)/asan/lib/libpbit_config.a
$(SIM_CONFIG_LIB): $(call obj-of,$(SIM_CONFIG_SRCS))
$(SIM_CONFIG_ASAN_LIB): $(call asan-obj-of,$(SIM_CONFIG_SRCS))

$(BUILD)/bin/mnist_json2idx: $(call obj-of,sim/tools/mnist_json2idx.c)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

ALL_TARGETS += $(BUILD)/bin/mnist_json2idx
