# rtl/synth/: `make synth` runs Yosys on the RTL once per accelerator config
# and writes build/synth/report.md and report.csv (docs/rtl-flows.md).
# SYNTH_CONFIGS picks the configs: make synth SYNTH_CONFIGS=configs/accel/tiny.yaml
SYNTH_CONFIGS ?= $(sort $(wildcard configs/accel/*.yaml))
.PHONY: synth
synth: $(BUILD)/bin/accel_params ## Yosys cell counts per configs/accel/*.yaml -> build/synth/report.md
	bash rtl/synth/run_synth.sh $(BUILD)/bin/accel_params $(BUILD)/synth $(SYNTH_CONFIGS); rc=$$?; \
	  if [ -f $(BUILD)/synth/report.csv ]; then $(SYNTH_CELLS); fi; exit $$rc

# Machine-readable cell counts for `pbitsim sweep` (its yosys_cells column):
# build/synth/<accel name>.cells holds the total cell count of that config,
# taken from report.csv (column `cells`, rows with status ok). `make synth`
# writes them after Yosys; `make synth-cells` rewrites them from an existing
# report.csv without running Yosys. SYNTH_CONFIGS (every configs/accel/*.yaml)
# already covers each accel preset the sweeps of configs/sweeps/ name; a sweep
# that names an accel file elsewhere adds it: make synth SYNTH_CONFIGS="... x.yaml".
SYNTH_CELLS = awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$$i] = i; next } \
  $$col["status"] == "ok" && $$col["cells"] != "" { f = "$(BUILD)/synth/" $$1 ".cells"; \
  print $$col["cells"] > (f ".tmp"); close(f ".tmp"); system("mv \"" f ".tmp\" \"" f "\""); n++ } \
  END { printf "synth: %d cell counts in $(BUILD)/synth/<accel>.cells\n", n }' $(BUILD)/synth/report.csv
.PHONY: synth-cells
synth-cells: ## build/synth/<accel>.cells from an existing build/synth/report.csv (no Yosys)
	@test -f $(BUILD)/synth/report.csv || { echo "synth-cells: no $(BUILD)/synth/report.csv: run make synth" >&2; exit 1; }
	@$(SYNTH_CELLS)
