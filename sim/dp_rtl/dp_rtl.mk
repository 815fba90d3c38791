# sim/dp_rtl/: the Verilator C++ harness of the datapath (dp_rtl.h) and the
# registry of verilated builds (rtl/rtl.mk makes one per configuration).
#
#   build_<name>.o   the harness template instantiated for Vdp_<name>
#   dp_rtl.o         C interface + registry of RTL_ACCELS (linked into pbitsim)
#   dp_rtl_tests.o   the same registry with RTL_TEST_ACCELS too (rtl_tests)
#   asan dp_rtl.o    registry without builds (the sanitizer pbitsim)
# X(id, "name", format) per build: format 0 for the main builds (no trace
# code), 1 VCD and 2 FST for the traced builds of RTL_VCD_ACCELS and
# RTL_FST_ACCELS among the accels listed.
rtl-list = $(foreach a,$(1),X($(call rtl-id,$(a)),"$(a)",0)) \
  $(foreach a,$(filter $(RTL_VCD_ACCELS),$(1)),X($(call rtl-id,$(a))_vcd,"$(a)",1)) \
  $(foreach a,$(filter $(RTL_FST_ACCELS),$(1)),X($(call rtl-id,$(a))_fst,"$(a)",2))

# Rebuild the registries when the lists change.
RTL_LIST_STAMP := $(BUILD)/rtl/accels.stamp
RTL_LIST_TEXT := $(RTL_ACCELS) / $(RTL_TEST_ACCELS) / $(RTL_VCD_ACCELS) / $(RTL_FST_ACCELS)
ifneq ($(RTL_LIST_TEXT),$(shell cat $(RTL_LIST_STAMP) 2>/dev/null))
$(shell mkdir -p $(BUILD)/rtl && echo '$(RTL_LIST_TEXT)' > $(RTL_LIST_STAMP))
endif

DP_RTL_DEPS := sim/dp_rtl/dp_rtl.h sim/dp_rtl/dp_rtl_impl.hh sim/dp_rtl/dp_rtl_trace.h
# harness <name> <id> <model> <gen dir> <trace format>
define DP_RTL_HARNESS
$(BUILD)/obj/sim/dp_rtl/build_$(2).o: sim/dp_rtl/dp_rtl_build.cc $(DP_RTL_DEPS) $(3)
	@mkdir -p $$(@D)
	$(CXX) $(CPPFLAGS) $(VL_CPPFLAGS) $(VL_CXXFLAGS) -Wall -Wextra -Werror \
	  -isystem $(4) -DPBIT_DP_RTL_NAME=$(2) -DPBIT_DP_RTL_TRACE=$(5) -c $$< -o $$@
endef
RTL_ALL_ACCELS := $(sort $(RTL_ACCELS) $(RTL_TEST_ACCELS))
$(foreach a,$(RTL_ALL_ACCELS),$(eval $(call DP_RTL_HARNESS,$(a),$(call rtl-id,$(a)),$(call rtl-model,$(a)),$(BUILD)/rtl/$(a)/gen,0)))
$(foreach a,$(filter $(RTL_VCD_ACCELS),$(RTL_ALL_ACCELS)),$(eval $(call DP_RTL_HARNESS,$(a),$(call rtl-id,$(a))_vcd,$(call rtl-traced-model,$(a),vcd),$(BUILD)/rtl/$(a)_vcd/gen,1)))
$(foreach a,$(filter $(RTL_FST_ACCELS),$(RTL_ALL_ACCELS)),$(eval $(call DP_RTL_HARNESS,$(a),$(call rtl-id,$(a))_fst,$(call rtl-traced-model,$(a),fst),$(BUILD)/rtl/$(a)_fst/gen,2)))
dp-rtl-build = $(BUILD)/obj/sim/dp_rtl/build_$(call rtl-id,$(1)).o
# The traced builds of the accels in $(1): harnesses, models.
dp-rtl-traced-builds = $(foreach a,$(filter $(RTL_VCD_ACCELS),$(1)),$(BUILD)/obj/sim/dp_rtl/build_$(call rtl-id,$(a))_vcd.o) \
  $(foreach a,$(filter $(RTL_FST_ACCELS),$(1)),$(BUILD)/obj/sim/dp_rtl/build_$(call rtl-id,$(a))_fst.o)
dp-rtl-traced-models = $(foreach a,$(filter $(RTL_VCD_ACCELS),$(1)),$(call rtl-traced-model,$(a),vcd)) \
  $(foreach a,$(filter $(RTL_FST_ACCELS),$(1)),$(call rtl-traced-model,$(a),fst))

$(BUILD)/obj/sim/dp_rtl/dp_rtl.o: sim/dp_rtl/dp_rtl.cc $(DP_RTL_DEPS) $(RTL_LIST_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(VL_CPPFLAGS) '-DPBIT_DP_RTL_BUILDS=$(call rtl-list,$(RTL_ACCELS))' \
	  -c $< -o $@
$(BUILD)/obj/sim/dp_rtl/dp_rtl_tests.o: sim/dp_rtl/dp_rtl.cc $(DP_RTL_DEPS) $(RTL_LIST_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(VL_CPPFLAGS) \
	  '-DPBIT_DP_RTL_BUILDS=$(call rtl-list,$(sort $(RTL_ACCELS) $(RTL_TEST_ACCELS)))' -c $< -o $@
$(BUILD)/asan/obj/sim/dp_rtl/dp_rtl.o: sim/dp_rtl/dp_rtl.cc $(DP_RTL_DEPS)
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(ASAN_CXXFLAGS) $(VL_CPPFLAGS) -c $< -o $@

# What a program links for the RTL backend (in this order).
SIM_DP_RTL_LIB := $(BUILD)/lib/libpbit_dp_rtl.a
$(SIM_DP_RTL_LIB): $(BUILD)/obj/sim/dp_rtl/dp_rtl.o $(foreach a,$(RTL_ACCELS),$(call dp-rtl-build,$(a))) \
  $(call dp-rtl-traced-builds,$(RTL_ACCELS))
SIM_DP_RTL_LIBS := $(SIM_DP_RTL_LIB) $(foreach a,$(RTL_ACCELS),$(call rtl-model,$(a))) \
  $(call dp-rtl-traced-models,$(RTL_ACCELS)) $(VERILATED_LIB)
SIM_DP_RTL_ASAN_LIB := $(BUILD)/asan/lib/libpbit_dp_rtl.a
$(SIM_DP_RTL_ASAN_LIB): $(BUILD)/asan/obj/sim/dp_rtl/dp_rtl.o
# The RTL tests' registry and every build they can pick.
SIM_DP_RTL_TEST_LIBS := $(BUILD)/obj/sim/dp_rtl/dp_rtl_tests.o \
  $(foreach a,$(sort $(RTL_ACCELS) $(RTL_TEST_ACCELS)),$(call dp-rtl-build,$(a)) $(call rtl-model,$(a))) \
  $(call dp-rtl-traced-builds,$(sort $(RTL_ACCELS) $(RTL_TEST_ACCELS))) \
  $(call dp-rtl-traced-models,$(sort $(RTL_ACCELS) $(RTL_TEST_ACCELS))) $(RTL_BLOCK_OBJS) $(VERILATED_LIB)
