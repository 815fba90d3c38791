# bench/: speed benchmarks (make bench), never part of make test.
BENCH_SRCS := $(wildcard bench/*.c)
$(BUILD)/bin/pbit_bench: $(call obj-of,$(BENCH_SRCS)) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/obj/bench/%.o: OPT := -O3
BENCH_TARGETS += $(BUILD)/bin/pbit_bench
