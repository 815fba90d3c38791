# pbitsim: one non-recursive Makefile. Each source folder contributes a
# fragment (<folder>/<folder>.mk) that lists its sources and products;
# everything is built out of tree under $(BUILD)/.
#
#   build/obj/...        optimised objects        build/bin/     programs
#   build/asan/obj/...   ASan+UBSan objects       build/asan/bin/ sanitizer programs

.DEFAULT_GOAL := all
BUILD ?= build
CC ?= gcc
CXX ?= g++
# Native code for the machine that runs the build. Results do not depend on
# it: the hot paths are integer-only and floating point is never contracted
# or reassociated (-ffp-contract=off, no -ffast-math).
ARCH ?= -march=native
OPT ?= -O2

CPPFLAGS := -Ipbit_model -Isim -Ifirmware -MMD -MP -D_DEFAULT_SOURCE
WARN := -Wall -Wextra -Werror
CFLAGS = -std=c11 $(OPT) $(ARCH) -ffp-contract=off -fopenmp $(WARN)
CXXFLAGS = -std=c++17 $(OPT) $(ARCH) -ffp-contract=off -fopenmp $(WARN)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_CFLAGS := -std=c11 -O1 -g $(ARCH) -ffp-contract=off -fopenmp $(WARN) $(SANFLAGS)
ASAN_CXXFLAGS := -std=c++17 -O1 -g $(ARCH) -ffp-contract=off -fopenmp $(WARN) $(SANFLAGS)
LDLIBS := -lyaml -lz -lm -lpthread
ASAN_LDFLAGS := $(SANFLAGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@
$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ASAN_CFLAGS) -c $< -o $@
$(BUILD)/asan/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(ASAN_CXXFLAGS) -c $< -o $@
%.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# obj-of / asan-obj-of: source list -> object list
obj-of = $(patsubst %,$(BUILD)/obj/%.o,$(basename $(1)))
asan-obj-of = $(patsubst %,$(BUILD)/asan/obj/%.o,$(basename $(1)))

include pbit_model/pbit_model.mk
include sim/dp/dp.mk
include rtl/rtl.mk
include sim/dp_rtl/dp_rtl.mk
include sim/sim.mk
include sim/energy/energy.mk
include sim/data/data.mk
include sim/tools/tools.mk
include firmware/firmware.mk
include sim/hal/hal.mk
include sim/hal/hal_systemc.mk
include sim/cli/cli.mk
include bench/bench.mk
include tests/tests.mk
include rtl/synth/synth.mk
include tests/rtl/icarus.mk

.PHONY: all deps run test bench lint format clean help
all: $(ALL_TARGETS) ## build every program (default)

deps: ## install missing Debian packages and data (root), else print the command
	@bash scripts/setup.sh

run: deps all ## set up, build, train BSFF on the default config (runs/default/)
	$(BUILD)/bin/pbitsim train --config configs/default.yaml --out runs/default

test: deps all $(TEST_TARGETS) ## build and run every test (unit, sanitizer, CLI)
	@bash tests/run_suites.sh $(BUILD)

bench: all $(BENCH_TARGETS) ## print speed figures measured side by side
	$(BUILD)/bin/pbit_bench

LINT_C := $(wildcard pbit_model/*.c sim/*/*.c bench/*.c)
lint: ## cppcheck + clang-tidy on the C sources
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Ipbit_model -Isim -Ifirmware $(LINT_C)
	clang-tidy --quiet $(LINT_C) -- -std=c11 -Ipbit_model -Isim -Ifirmware -Isim/hal -D_DEFAULT_SOURCE
	@echo "make lint: clean"

format: ## clang-format every C/C++ source in place
	clang-format -i $(wildcard pbit_model/*.[ch] sim/*/*.[ch] bench/*.c tests/*/*.cc firmware/*.[ch] firmware/hal/*.h tests/hal/*.h)

clean: ## remove build/
	rm -rf $(BUILD)

help: ## list the targets
	@grep -hE '^[a-z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort | \
	  awk -F'\t' '{printf "  make %-8s %s\n", $$1, $$2}'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
