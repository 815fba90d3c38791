# sim/energy/: the energy model (docs/energy.md): the technology table and
# the ledger that prices counted actions. libpbit_energy.a needs only libm.
SIM_ENERGY_SRCS := $(wildcard sim/energy/*.c)
SIM_ENERGY_LIB := $(BUILD)/lib/libpbit_energy.a
SIM_ENERGY_ASAN_LIB := $(BUILD)/asan/lib/libpbit_energy.a
$(SIM_ENERGY_LIB): $(call obj-of,$(SIM_ENERGY_SRCS))
$(SIM_ENERGY_ASAN_LIB): $(call asan-obj-of,$(SIM_ENERGY_SRCS))
# The ledger prices the FF baseline's counters: ledger.h includes
# firmware/ff/ff.h by relative path (as sim/tools/ff_train.c does), a plain
# struct with no link dependency on the trainer.

# The tech loader (sim/config/config_tech.c) checks with
# pbit_energy_tech_validate: the config library carries tech.o, as it does
# dp_params.o (see sim/tools/tools.mk).
$(SIM_CONFIG_LIB): $(call obj-of,sim/energy/tech.c)
$(SIM_CONFIG_ASAN_LIB): $(call asan-obj-of,sim/energy/tech.c)

# The unit tests (tests/tests.mk) link the ledger too.
$(BUILD)/bin/unit_tests: $(SIM_ENERGY_LIB)
$(BUILD)/asan/bin/unit_tests: $(SIM_ENERGY_ASAN_LIB)
