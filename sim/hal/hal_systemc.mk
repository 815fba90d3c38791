# sim/hal/ `systemc` backend (hal_systemc.h): the datapath verilated with
# --sc once per configuration in SC_ACCELS (prefix Vdp_sc_<name>), linked
# with libsystemc. Needs libsystemc-dev (systemc.h, libsystemc.so).
#
#   SC_TRACE_ACCELS  configurations also verilated with --sc --trace (prefix
#                    Vdp_sc_<name>_vcd) for VCD waveforms: the main builds
#                    carry no trace code, which halves the model's speed even
#                    with tracing off (docs/performance.md). The backend
#                    moves a handle to a slot of the traced build on trace.
#   SC_FST_ACCELS    likewise with --trace-fst (Vdp_sc_<name>_fst), for FST.
#
#   build/rtl_sc/<id>/Vdp_sc_<id>__ALL.o   the SystemC model (id: name or name_vcd)
#   build/obj/sim/hal/sc_build_<id>.o      its DutImpl (hal_systemc_build.cc)
#   build/obj/sim/hal/hal_systemc.o        backend + registry of the builds
#   SIM_HAL_SC_LIBS                        what a program links (in order)
SC_ACCELS ?= tiny small
SC_TRACE_ACCELS ?= tiny small
SC_FST_ACCELS ?= tiny
SC_LDLIBS := -lsystemc
SC_VL_FLAGS := $(subst --cc,--sc,$(VL_FLAGS))
# The SRAM arrays are public in these builds: a reused slot is zeroed.
SC_VLT := rtl/sc_public.vlt
SC_VL_CPPFLAGS = $(subst -DVM_SC=0,-DVM_SC=1,$(VL_CPPFLAGS))
sc-clock-ns = $(shell sed -n 's/^ *clock_ns: *\([0-9.eE+-]*\).*/\1/p' configs/accel/$(1).yaml | head -n 1)
sc-model = $(BUILD)/rtl_sc/$(1)/Vdp_sc_$(1)__ALL.o
sc-build = $(BUILD)/obj/sim/hal/sc_build_$(1).o
SC_TRACED := $(filter $(SC_TRACE_ACCELS),$(SC_ACCELS))
SC_FSTED := $(filter $(SC_FST_ACCELS),$(SC_ACCELS))

# SC_BUILD <accel name> <id> <extra Verilator flags> <traced 0|1 (VCD)|2 (FST)>
define SC_BUILD
$(call sc-model,$(2)): $(RTL_SRCS) $(SC_VLT) $(BUILD)/rtl/$(1)/vflags $(VL_FLAGS_STAMP)
	@rm -rf $(BUILD)/rtl_sc/$(2)/gen && mkdir -p $(BUILD)/rtl_sc/$(2)/gen
	$(VERILATOR) $(SC_VL_FLAGS) $(3) --prefix Vdp_sc_$(2) -Mdir $(BUILD)/rtl_sc/$(2)/gen \
	  --top-module $(RTL_TOP) $$$$(cat $(BUILD)/rtl/$(1)/vflags) $(SC_VLT) $(RTL_SRCS)
	cd $(BUILD)/rtl_sc/$(2)/gen && for f in Vdp_sc_*.cpp; do echo "#include \"$$$$f\""; done \
	  > ../Vdp_sc_$(2)__ALL.cpp
	$(CXX) $(SC_VL_CPPFLAGS) $(VL_CXXFLAGS) -I$(BUILD)/rtl_sc/$(2)/gen \
	  -c $(BUILD)/rtl_sc/$(2)/Vdp_sc_$(2)__ALL.cpp -o $$@
$(call sc-build,$(2)): sim/hal/hal_systemc_build.cc sim/hal/hal_systemc_impl.hh $(call sc-model,$(2))
	@mkdir -p $$(@D)
	$(CXX) $(CPPFLAGS) $(SC_VL_CPPFLAGS) $(VL_CXXFLAGS) -Wall -Wextra -Werror \
	  -isystem $(BUILD)/rtl_sc/$(2)/gen -DPBIT_SC_NAME=$(2) -DPBIT_SC_TRACE=$(4) -c $$< -o $$@
endef
$(foreach a,$(SC_ACCELS),$(eval $(call SC_BUILD,$(a),$(call rtl-id,$(a)),,0)))
$(foreach a,$(SC_TRACED),$(eval $(call SC_BUILD,$(a),$(call rtl-id,$(a))_vcd,$(VL_TRACE_VCD),1)))
$(foreach a,$(SC_FSTED),$(eval $(call SC_BUILD,$(a),$(call rtl-id,$(a))_fst,$(VL_TRACE_FST),2)))
SC_IDS := $(foreach a,$(SC_ACCELS),$(call rtl-id,$(a))) $(foreach a,$(SC_TRACED),$(call rtl-id,$(a))_vcd) \
  $(foreach a,$(SC_FSTED),$(call rtl-id,$(a))_fst)

# The registry: X(id, "name", clock_ns, traced) per build; rebuilt when the
# lists change.
SC_LIST_STAMP := $(BUILD)/rtl_sc/accels.stamp
SC_LIST_TEXT := $(foreach a,$(SC_ACCELS),$(a)=$(call sc-clock-ns,$(a))) / $(SC_TRACED) / $(SC_FSTED)
ifneq ($(SC_LIST_TEXT),$(shell cat $(SC_LIST_STAMP) 2>/dev/null))
$(shell mkdir -p $(BUILD)/rtl_sc && echo '$(SC_LIST_TEXT)' > $(SC_LIST_STAMP))
endif
sc-list = $(foreach a,$(SC_ACCELS),X($(call rtl-id,$(a)),"$(a)",$(call sc-clock-ns,$(a)),0)) \
  $(foreach a,$(SC_TRACED),X($(call rtl-id,$(a))_vcd,"$(a)",$(call sc-clock-ns,$(a)),1)) \
  $(foreach a,$(SC_FSTED),X($(call rtl-id,$(a))_fst,"$(a)",$(call sc-clock-ns,$(a)),2))
SIM_HAL_SC_OBJ := $(BUILD)/obj/sim/hal/hal_systemc.o
$(SIM_HAL_SC_OBJ): sim/hal/hal_systemc.cc sim/hal/hal_systemc.h sim/hal/hal_systemc_impl.hh \
  sim/hal/hal_backend.h sim/dp_rtl/dp_rtl_trace.h $(SC_LIST_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) -Ifirmware $(SC_VL_CPPFLAGS) $(CXXFLAGS) \
	  '-DPBIT_SC_BUILDS=$(sc-list)' -c $< -o $@

SIM_HAL_SC_LIBS := $(SIM_HAL_SC_OBJ) $(foreach i,$(SC_IDS),$(call sc-build,$(i)) $(call sc-model,$(i)))

# pbit_sc_top (sim/tools/sc_top.cc): an sc_main top of one's own around this
# backend, the firmware as its SC_THREAD; checks itself against `model`
# (make test runs it; docs/cosim.md, "A SystemC top of your own").
$(call obj-of,sim/tools/sc_top.cc): CPPFLAGS += -Ifirmware -Isim/hal $(SC_VL_CPPFLAGS)
$(BUILD)/bin/pbit_sc_top: $(call obj-of,sim/tools/sc_top.cc) $(SIM_HAL_SC_LIBS) $(SIM_HAL_LIB) \
  $(SIM_DP_LIB) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB) $(VERILATED_LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS) $(VL_LDLIBS) $(SC_LDLIBS)
TEST_TARGETS += $(BUILD)/bin/pbit_sc_top
