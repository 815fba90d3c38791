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
	$(BUILD)/bin/dp_bench
