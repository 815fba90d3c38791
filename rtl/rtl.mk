# rtl/: the datapath RTL (SystemVerilog, one module per file), verilated
# with Verilator into one C++ library per accelerator configuration.
#
#   RTL_ACCELS       configs/accel/<name>.yaml verilated for pbitsim and the
#                    RTL tests (default: small wide). Parameters are fixed at
#                    Verilator compile time, so each one is its own build with
#                    the prefix Vdp_<name>, registered by name (sim/dp_rtl/).
#   RTL_TEST_ACCELS  further configurations only the RTL tests link (tiny:
#                    narrow widths and a 4-deep FIFO reach saturation and
#                    back-pressure in few cycles).
#   RTL_VCD_ACCELS   configurations also verilated with --trace (prefix
#   RTL_FST_ACCELS   Vdp_<name>_vcd) or --trace-fst (Vdp_<name>_fst) for
#                    waveforms. The main builds carry no trace code: with it
#                    the model runs at half speed even with tracing off
#                    (docs/performance.md), and Verilator 5.006 puts one
#                    trace format into a model. The rtl HAL backend switches
#                    to the traced build when asked for a trace.
#
# build/rtl/<name>/vflags  -G flags from accel_params (the YAML is the one
#                          source of the parameters)
# build/rtl/<name>/        Verilator output; Vdp_<name>__ALL.o the model
RTL_SRCS := $(wildcard rtl/*.sv)
RTL_TOP := pbit_dp_top
RTL_ACCELS ?= small wide
RTL_TEST_ACCELS ?= tiny
RTL_VCD_ACCELS ?= tiny small
RTL_FST_ACCELS ?= tiny
VERILATOR ?= verilator
VERILATOR_ROOT ?= /usr/share/verilator
# -O3 inside Verilator; the C++ at -O2 builds in seconds and runs as fast as
# -O3 on this design. Undefined state starts at zero (the harness sets
# randReset(0)); memories need no --x-initial tricks.
VL_FLAGS := --cc -O3 --no-MMD --x-assign fast --noassert --unroll-count 256 -Wall -Wno-fatal
# Waveforms on request, from the traced builds only.
VL_TRACE_VCD := --trace
VL_TRACE_FST := --trace-fst
VL_CPPFLAGS = -isystem $(VERILATOR_ROOT)/include -isystem $(VERILATOR_ROOT)/include/vltstd \
  -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=0 -DVM_TRACE_FST=0 -DVM_TRACE_VCD=0
VL_CXXFLAGS = -std=c++17 -O2 $(ARCH) -faligned-new -fcf-protection=none -Wno-bool-operation \
  -Wno-sign-compare -Wno-uninitialized -Wno-unused-but-set-variable -Wno-unused-parameter \
  -Wno-unused-variable -Wno-shadow
VL_LDLIBS := -pthread -latomic

# Re-verilate when the Verilator flags change.
VL_FLAGS_STAMP := $(BUILD)/rtl/vl_flags.stamp
VL_FLAGS_TEXT := $(VL_FLAGS) / $(VL_TRACE_VCD) / $(VL_TRACE_FST)
ifneq ($(VL_FLAGS_TEXT),$(shell cat $(VL_FLAGS_STAMP) 2>/dev/null))
$(shell mkdir -p $(BUILD)/rtl && echo '$(VL_FLAGS_TEXT)' > $(VL_FLAGS_STAMP))
endif

# Build ids are C identifiers: accel names may also hold '-' and '.'.
rtl-id = $(subst .,_,$(subst -,_,$(1)))

# The Verilator run-time library, once for every build.
VERILATED_LIB := $(BUILD)/lib/libverilated.a
$(VERILATED_LIB): $(BUILD)/obj/verilator/verilated.o $(BUILD)/obj/verilator/verilated_threads.o \
  $(BUILD)/obj/verilator/verilated_vcd_c.o $(BUILD)/obj/verilator/verilated_fst_c.o
$(BUILD)/obj/verilator/%.o: $(VERILATOR_ROOT)/include/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(VL_CPPFLAGS) $(VL_CXXFLAGS) -c $< -o $@

# verilate <dir> <prefix> <top> <flags file> [<extra Verilator flags>]:
# Verilator output in <dir>, all of its C++ compiled as one object
# (Verilator's own non-parallel build).
define RTL_VERILATE
$(1)/$(2)__ALL.o: $(RTL_SRCS) $(4) $(VL_FLAGS_STAMP)
	@rm -rf $(1)/gen && mkdir -p $(1)/gen
	$(VERILATOR) $(VL_FLAGS) $(5) --prefix $(2) -Mdir $(1)/gen --top-module $(3) \
	  $$$$(cat $(4)) $(RTL_SRCS)
	cd $(1)/gen && for f in $(2)*.cpp; do echo "#include \"$$$$f\""; done > ../$(2)__ALL.cpp
	$(CXX) $(VL_CPPFLAGS) $(VL_CXXFLAGS) -I$(1)/gen -c $(1)/$(2)__ALL.cpp -o $$@
endef

# One accelerator build: flags from the YAML, then Verilator.
define RTL_ACCEL
$(BUILD)/rtl/$(1)/vflags: configs/accel/$(1).yaml $(BUILD)/bin/accel_params
	@mkdir -p $$(@D)
	$(BUILD)/bin/accel_params --config $$< --format verilator > $$@.tmp
	@if cmp -s $$@.tmp $$@; then rm -f $$@.tmp; else mv $$@.tmp $$@; fi
$(eval $(call RTL_VERILATE,$(BUILD)/rtl/$(1),Vdp_$(call rtl-id,$(1)),$(RTL_TOP),$(BUILD)/rtl/$(1)/vflags))
endef
$(foreach a,$(sort $(RTL_ACCELS) $(RTL_TEST_ACCELS)),$(eval $(call RTL_ACCEL,$(a))))
rtl-model = $(BUILD)/rtl/$(1)/Vdp_$(call rtl-id,$(1))__ALL.o
# The traced builds: <name> <vcd|fst> <flag>, same flags file.
define RTL_ACCEL_TRACED
$(eval $(call RTL_VERILATE,$(BUILD)/rtl/$(1)_$(2),Vdp_$(call rtl-id,$(1))_$(2),$(RTL_TOP),$(BUILD)/rtl/$(1)/vflags,$(3)))
endef
$(foreach a,$(filter $(RTL_VCD_ACCELS),$(sort $(RTL_ACCELS) $(RTL_TEST_ACCELS))),$(eval $(call RTL_ACCEL_TRACED,$(a),vcd,$(VL_TRACE_VCD))))
$(foreach a,$(filter $(RTL_FST_ACCELS),$(sort $(RTL_ACCELS) $(RTL_TEST_ACCELS))),$(eval $(call RTL_ACCEL_TRACED,$(a),fst,$(VL_TRACE_FST))))
# rtl-traced-model <name> <vcd|fst>
rtl-traced-model = $(BUILD)/rtl/$(1)_$(2)/Vdp_$(call rtl-id,$(1))_$(2)__ALL.o

# Single blocks for the directed RTL tests (tests/dp/rtl_blocks_test.cc),
# with fixed parameters: name, top module, flags.
RTL_BLOCKS := fifo sram gen dac
RTL_BLOCK_fifo := pbit_dp_fifo -GWidth=8 -GDepth=4
RTL_BLOCK_sram := pbit_dp_sram -GDepth=8 -GLanes=4 -GLaneBits=8
RTL_BLOCK_gen := pbit_dp_index_gen -GSCAN_BITS=8 -GMAX_INPUTS=40
RTL_BLOCK_dac := pbit_dp_dac_lane -GACC_BITS=12 -GDAC_BITS=6
define RTL_BLOCK
$(BUILD)/rtl/blk_$(1)/vflags: rtl/rtl.mk
	@mkdir -p $$(@D)
	echo '$(wordlist 2,99,$(RTL_BLOCK_$(1)))' > $$@
$(eval $(call RTL_VERILATE,$(BUILD)/rtl/blk_$(1),Vblk_$(1),$(firstword $(RTL_BLOCK_$(1))),$(BUILD)/rtl/blk_$(1)/vflags))
endef
$(foreach b,$(RTL_BLOCKS),$(eval $(call RTL_BLOCK,$(b))))
RTL_BLOCK_OBJS := $(foreach b,$(RTL_BLOCKS),$(BUILD)/rtl/blk_$(b)/Vblk_$(b)__ALL.o)

# make lint: Verilator's -Wall on the whole design, at the default
# parameters and at those of every configs/accel/*.yaml, with the waivers
# of rtl/lint.vlt (each one says why).
RTL_LINT_CONFIGS := $(wildcard configs/accel/*.yaml)
.PHONY: lint-rtl
lint: lint-rtl
lint-rtl: $(BUILD)/bin/accel_params
	$(VERILATOR) --lint-only -Wall rtl/lint.vlt $(RTL_SRCS) --top-module $(RTL_TOP)
	@set -e; for c in $(RTL_LINT_CONFIGS); do \
	  echo "$(VERILATOR) --lint-only -Wall ... $$c"; \
	  $(VERILATOR) --lint-only -Wall rtl/lint.vlt $(RTL_SRCS) --top-module $(RTL_TOP) \
	    $$($(BUILD)/bin/accel_params --config $$c --format verilator); \
	done
