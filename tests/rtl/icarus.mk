# tests/rtl/: directed, self-checking testbenches of the RTL blocks, run on
# Icarus Verilog (a second simulator next to Verilator): `make icarus`.
# Part of `make test` through tests/run_suites.sh.
.PHONY: icarus
icarus: $(BUILD)/bin/accel_params ## RTL unit tests on Icarus Verilog (tests/rtl/*_tb.sv)
	bash tests/rtl/run_icarus.sh $(BUILD)/bin/accel_params $(BUILD)/icarus
