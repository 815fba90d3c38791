# sim/dp/: the C functional model of the indexing-accumulate datapath, its
# register map and the register-level driver shared by every backend.
# (dp_params.c, the parameter checks, also goes into the config library:
# see sim/tools/tools.mk; an archive member is only pulled once.)
SIM_DP_SRCS := $(wildcard sim/dp/*.c)
SIM_DP_LIB := $(BUILD)/lib/libpbit_dp.a
SIM_DP_ASAN_LIB := $(BUILD)/asan/lib/libpbit_dp.a
$(SIM_DP_LIB): $(call obj-of,$(SIM_DP_SRCS))
$(SIM_DP_ASAN_LIB): $(call asan-obj-of,$(SIM_DP_SRCS))
# The FORWARD/UPDATE loops are the hot path of every trainer.
$(BUILD)/obj/sim/dp/dp_model.o: OPT := -O3
