# sim/tools/accel_params: the RTL parameters of an accelerator config
# (configs/accel/*.yaml) as Verilator, Icarus, Yosys, make or JSON flags.
# Built optimised and under ASan+UBSan (the config corpus runs through both).
ACCEL_PARAMS_OBJS := sim/tools/accel_params.c sim/cli/cli.c
$(BUILD)/bin/accel_params: $(call obj-of,$(ACCEL_PARAMS_OBJS)) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/asan/bin/accel_params: $(call asan-obj-of,$(ACCEL_PARAMS_OBJS)) $(SIM_CONFIG_ASAN_LIB) $(PBIT_MODEL_ASAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) $^ -o $@ $(LDLIBS)

# The accel loader (sim/config/config_accel.c) checks with
# pbit_dp_params_validate (sim/dp/dp_params.c): the config library carries
# that one object so that every program linking the loader links its rules.
# (A library of sim/dp/ holding the same object is harmless: an archive
# member is only pulled for a symbol not yet defined.)
$(SIM_CONFIG_LIB): $(call obj-of,sim/dp/dp_params.c)
$(SIM_CONFIG_ASAN_LIB): $(call asan-obj-of,sim/dp/dp_params.c)

ALL_TARGETS += $(BUILD)/bin/accel_params
TEST_TARGETS += $(BUILD)/asan/bin/accel_params
