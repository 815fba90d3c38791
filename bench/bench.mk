# bench/: speed benchmarks (make bench), never part of make test.
BENCH_SRCS := $(wildcard bench/*.c)
$(BUILD)/bin/pbit_bench: $(call obj-of,$(BENCH_SRCS)) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/obj/bench/%.o: OPT := -O3
BENCH_TARGETS += $(BUILD)/bin/pbit_bench

# The datapath: verilated RTL vs C model (bench/dp_bench.cc, C++: it links
# the Verilator builds of RTL_ACCELS). Runs before the p-bit figures.
$(call obj-of,bench/dp_bench.cc): CPPFLAGS += $(VL_CPPFLAGS)
$(BUILD)/bin/dp_bench: $(call obj-of,bench/dp_bench.cc) $(SIM_DP_RTL_LIBS) $(SIM_DP_LIB) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS) $(VL_LDLIBS)
BENCH_TARGETS += $(BUILD)/bin/dp_bench
.PHONY: bench-dp
bench: bench-dp
bench-dp: $(BUILD)/bin/dp_bench
	flock $(BUILD)/.bench.lock $(BUILD)/bin/dp_bench

# Real-valued FF training throughput, C (ff_train) vs PyTorch (bench/torch_ff.py),
# side by side (bench/ff_bench.sh; the BSFF row is to come, see BSFF_CMD there).
# PyTorch (python3-torch) is for make bench only: `scripts/setup.sh --bench`
# installs it as root; without it the step prints why it is skipped.
# Measurements hold $(BUILD)/.bench.lock so that `make -j bench` runs them
# one at a time.
.PHONY: bench-ff
bench: bench-ff
bench-ff: $(BUILD)/bin/ff_train $(BUILD)/bin/pbitsim
	@bash scripts/setup.sh --bench || echo "bench-ff: python3-torch could not be installed (see above)"
	@flock $(BUILD)/.bench.lock bash bench/ff_bench.sh --ff-train $(BUILD)/bin/ff_train

# Co-simulation: the HAL backends model, rtl and systemc (plain and as an
# SC_THREAD) on one FORWARD+UPDATE workload, cycles/s side by side
# (bench/cosim_bench.cc; docs/performance.md).
$(BUILD)/bin/cosim_bench: $(call obj-of,bench/cosim_bench.cc) $(SIM_HAL_RTL_OBJ) $(SIM_HAL_SC_LIBS) $(SIM_HAL_LIB) $(SIM_DP_RTL_LIBS) $(SIM_DP_LIB) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS) $(VL_LDLIBS) $(SC_LDLIBS)
BENCH_TARGETS += $(BUILD)/bin/cosim_bench
.PHONY: bench-cosim
bench: bench-cosim
bench-cosim: $(BUILD)/bin/cosim_bench
	flock $(BUILD)/.bench.lock $(BUILD)/bin/cosim_bench small

# Where a systemc clock goes: SystemC kernel alone, the --sc datapath on top,
# the --cc datapath (bench/sc_floor_bench.cc): the bound on systemc/rtl.
SC_FLOOR_OBJS := $(call sc-model,small) $(call rtl-model,small)
$(call obj-of,bench/sc_floor_bench.cc): CPPFLAGS += $(SC_VL_CPPFLAGS) -isystem $(BUILD)/rtl_sc/small/gen \
  -isystem $(BUILD)/rtl/small/gen
$(call obj-of,bench/sc_floor_bench.cc): $(SC_FLOOR_OBJS)
$(BUILD)/bin/sc_floor_bench: $(call obj-of,bench/sc_floor_bench.cc) $(SC_FLOOR_OBJS) $(VERILATED_LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS) $(VL_LDLIBS) $(SC_LDLIBS)
BENCH_TARGETS += $(BUILD)/bin/sc_floor_bench
.PHONY: bench-sc-floor
bench: bench-sc-floor
bench-sc-floor: $(BUILD)/bin/sc_floor_bench
	flock $(BUILD)/.bench.lock $(BUILD)/bin/sc_floor_bench
