# sim/data/: data set loaders (IDX with zlib, CIFAR-10 binary).
SIM_DATA_SRCS := $(wildcard sim/data/*.c)
SIM_DATA_LIB := $(BUILD)/lib/libpbit_data.a
SIM_DATA_ASAN_LIB := $(BUILD)/asan/lib/libpbit_data.a
$(SIM_DATA_LIB): $(call obj-of,$(SIM_DATA_SRCS))
$(SIM_DATA_ASAN_LIB): $(call asan-obj-of,$(SIM_DATA_SRCS))
