# rtl/synth/: `make synth` runs Yosys on the RTL once per accelerator config
# and writes build/synth/report.md and report.csv (docs/rtl-flows.md).
# SYNTH_CONFIGS picks the configs: make synth SYNTH_CONFIGS=configs/accel/tiny.yaml
SYNTH_CONFIGS ?= $(sort $(wildcard configs/accel/*.yaml))
.PHONY: synth
synth: $(BUILD)/bin/accel_params ## Yosys cell counts per configs/accel/*.yaml -> build/synth/report.md
	bash rtl/synth/run_synth.sh $(BUILD)/bin/accel_params $(BUILD)/synth $(SYNTH_CONFIGS)
