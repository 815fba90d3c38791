# sim/hal/ `systemc` backend (hal_systemc.h): the datapath verilated with
# --sc once per configuration in SC_ACCELS (prefix Vdp_sc_<name>), linked
# with libsystemc. Needs libsystemc-dev (systemc.h, libsystemc.so).
#
#   build/rtl_sc/<name>/Vdp_sc_<name>__ALL.o   the SystemC model
#   build/obj/sim/hal/sc_build_<name>.o        its DutImpl (hal_systemc_build.cc)
#   build/obj/sim/hal/hal_systemc.o            backend + registry of SC_ACCELS
#   SIM_HAL_SC_LIBS                            what a program links (in order)
SC_ACCELS ?= tiny small
SC_LDLIBS := -lsystemc
SC_VL_FLAGS := $(subst --cc,--sc,$(VL_FLAGS))
SC_VL_CPPFLAGS = $(subst -DVM_SC=0,-DVM_SC=1,$(VL_CPPFLAGS))
sc-clock-ns = $(shell sed -n 's/^ *clock_ns: *\([0-9.eE+-]*\).*/\1/p' configs/accel/$(1).yaml | head -n 1)
sc-model = $(BUILD)/rtl_sc/$(1)/Vdp_sc_$(call rtl-id,$(1))__ALL.o
sc-build = $(BUILD)/obj/sim/hal/sc_build_$(call rtl-id,$(1)).o

define SC_ACCEL
$(call sc-model,$(1)): $(RTL_SRCS) $(BUILD)/rtl/$(1)/vflags
	@rm -rf $(BUILD)/rtl_sc/$(1)/gen && mkdir -p $(BUILD)/rtl_sc/$(1)/gen
	$(VERILATOR) $(SC_VL_FLAGS) --prefix Vdp_sc_$(call rtl-id,$(1)) -Mdir $(BUILD)/rtl_sc/$(1)/gen \
	  --top-module $(RTL_TOP) $$$$(cat $(BUILD)/rtl/$(1)/vflags) $(RTL_SRCS)
	cd $(BUILD)/rtl_sc/$(1)/gen && for f in Vdp_sc_*.cpp; do echo "#include \"$$$$f\""; done \
	  > ../Vdp_sc_$(call rtl-id,$(1))__ALL.cpp
	$(CXX) $(SC_VL_CPPFLAGS) $(VL_CXXFLAGS) -I$(BUILD)/rtl_sc/$(1)/gen \
	  -c $(BUILD)/rtl_sc/$(1)/Vdp_sc_$(call rtl-id,$(1))__ALL.cpp -o $$@
$(call sc-build,$(1)): sim/hal/hal_systemc_build.cc sim/hal/hal_systemc_impl.hh $(call sc-model,$(1))
	@mkdir -p $$(@D)
	$(CXX) $(CPPFLAGS) $(SC_VL_CPPFLAGS) $(VL_CXXFLAGS) -Wall -Wextra -Werror \
	  -isystem $(BUILD)/rtl_sc/$(1)/gen -DPBIT_SC_NAME=$(call rtl-id,$(1)) -c $$< -o $$@
endef
$(foreach a,$(SC_ACCELS),$(eval $(call SC_ACCEL,$(a))))

# The registry: X(id, "name", clock_ns) per build; rebuilt when the list changes.
SC_LIST_STAMP := $(BUILD)/rtl_sc/accels.stamp
SC_LIST_TEXT := $(foreach a,$(SC_ACCELS),$(a)=$(call sc-clock-ns,$(a)))
ifneq ($(SC_LIST_TEXT),$(shell cat $(SC_LIST_STAMP) 2>/dev/null))
$(shell mkdir -p $(BUILD)/rtl_sc && echo '$(SC_LIST_TEXT)' > $(SC_LIST_STAMP))
endif
sc-list = $(foreach a,$(1),X($(call rtl-id,$(a)),"$(a)",$(call sc-clock-ns,$(a))))
SIM_HAL_SC_OBJ := $(BUILD)/obj/sim/hal/hal_systemc.o
$(SIM_HAL_SC_OBJ): sim/hal/hal_systemc.cc sim/hal/hal_systemc.h sim/hal/hal_systemc_impl.hh \
  sim/hal/hal_backend.h $(SC_LIST_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) -Ifirmware $(SC_VL_CPPFLAGS) $(CXXFLAGS) \
	  '-DPBIT_SC_BUILDS=$(call sc-list,$(SC_ACCELS))' -c $< -o $@

SIM_HAL_SC_LIBS := $(SIM_HAL_SC_OBJ) $(foreach a,$(SC_ACCELS),$(call sc-build,$(a)) $(call sc-model,$(a)))
