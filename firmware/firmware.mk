# firmware/: the trainers. firmware/ff/: the real-valued forward-forward
# baseline (libpbit_ff.a, optimised and ASan+UBSan) and its experiment
# driver build/bin/ff_train (sim/tools/ff_train.c: loads the data sets).
FF_SRCS := $(wildcard firmware/ff/*.c)
FF_LIB := $(BUILD)/lib/libpbit_ff.a
FF_ASAN_LIB := $(BUILD)/asan/lib/libpbit_ff.a
$(FF_LIB): $(call obj-of,$(FF_SRCS))
$(FF_ASAN_LIB): $(call asan-obj-of,$(FF_SRCS))
# The dense kernels are the hot loop: let the vectoriser have them.
$(call obj-of,$(FF_SRCS)): OPT := -O3
# Its unit tests include "ff/ff.h".
$(call obj-of,tests/firmware/ff_test.cc) $(call asan-obj-of,tests/firmware/ff_test.cc): \
  CPPFLAGS += -Ifirmware

$(BUILD)/bin/ff_train: $(call obj-of,sim/tools/ff_train.c) $(FF_LIB) $(SIM_DATA_LIB) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

ALL_TARGETS += $(BUILD)/bin/ff_train

# make lint covers firmware/ too.
.PHONY: lint-firmware
lint: lint-firmware
lint-firmware:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Ipbit_model -Ifirmware -Isim $(FF_SRCS) $(BSFF_SRCS)
	clang-tidy --quiet $(FF_SRCS) $(BSFF_SRCS) -- -std=c11 -Ipbit_model -Ifirmware -Isim -D_DEFAULT_SOURCE -fopenmp

# firmware/bsff/: the BSFF trainer over the HAL (libpbit_bsff.a).
BSFF_SRCS := $(wildcard firmware/bsff/*.c)
BSFF_LIB := $(BUILD)/lib/libpbit_bsff.a
BSFF_ASAN_LIB := $(BUILD)/asan/lib/libpbit_bsff.a
$(BSFF_LIB): $(call obj-of,$(BSFF_SRCS))
$(BSFF_ASAN_LIB): $(call asan-obj-of,$(BSFF_SRCS))
$(call obj-of,$(BSFF_SRCS)) $(call asan-obj-of,$(BSFF_SRCS)): CPPFLAGS += -Ifirmware -Isim
$(call obj-of,$(BSFF_SRCS)): OPT := -O3
