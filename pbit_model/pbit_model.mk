# pbit_model/: the C11 p-bit array library (depends on nothing else here).
PBIT_MODEL_SRCS := $(wildcard pbit_model/*.c)
PBIT_MODEL_LIB := $(BUILD)/lib/libpbit_model.a
PBIT_MODEL_ASAN_LIB := $(BUILD)/asan/lib/libpbit_model.a
$(PBIT_MODEL_LIB): $(call obj-of,$(PBIT_MODEL_SRCS))
$(PBIT_MODEL_ASAN_LIB): $(call asan-obj-of,$(PBIT_MODEL_SRCS))
# The array kernel is the hot loop: let the vectoriser have it.
$(BUILD)/obj/pbit_model/array.o: OPT := -O3
