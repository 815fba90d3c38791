#!/usr/bin/env bash
# Runs every test suite of `make test` and closes with one line
# "make test: N passed, M failed" (the total over all suites).
# Usage: tests/run_suites.sh <build dir>
set -u
build=${1:-build}
passed=0
failed=0
status=0

# GoogleTest binary: counts from its own summary lines.
gtest() {
  local name=$1
  shift
  echo "== $name"
  local out rc
  out=$("$@" --gtest_brief=1 2>&1)
  rc=$?
  printf '%s\n' "$out" | grep -vE '^Running main|^$' | grep -E 'FAILED|Failure|error|PASSED|SKIPPED|tests from|DISABLED' | head -n 40
  local p f
  p=$(printf '%s\n' "$out" | sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\..*/\1/p' | tail -n 1)
  f=$(printf '%s\n' "$out" | sed -nE 's/^\[  FAILED  \] ([0-9]+) tests?, listed below.*/\1/p' | tail -n 1)
  p=${p:-0}
  f=${f:-0}
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi # crashed before its summary
  passed=$((passed + p))
  failed=$((failed + f))
  [[ $rc -eq 0 ]] || status=1
}

# Script suite: its last line reads "... N passed, M failed".
script() {
  local name=$1
  shift
  echo "== $name"
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | tail -n 15
  local last p f
  last=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  p=$(sed -nE 's/(^|.*[^0-9])([0-9]+) passed, ([0-9]+) failed.*/\2/p' <<<"$last")
  f=$(sed -nE 's/(^|.*[^0-9])([0-9]+) passed, ([0-9]+) failed.*/\3/p' <<<"$last")
  p=${p:-0}
  f=${f:-0}
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  [[ $rc -eq 0 ]] || status=1
}

gtest "unit tests" "$build/bin/unit_tests"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  gtest "unit tests under ASan+UBSan" "$build/asan/bin/unit_tests"
script "config corpus via pbitsim" bash tests/cli/config_corpus.sh "$build/bin/pbitsim"
ASAN_OPTIONS=detect_leaks=1 \
  script "config corpus via pbitsim (ASan+UBSan)" bash tests/cli/config_corpus.sh "$build/asan/bin/pbitsim"
script "pbitsim command line" bash tests/cli/pbitsim_test.sh "$build/bin/pbitsim"
gtest "RTL tests (verilated datapath: blocks, CSRs, lockstep with the C model, co-simulation with the p-bits)" "$build/bin/rtl_tests"
script "pbitsim datapath, model and RTL backends" bash tests/cli/datapath_test.sh "$build/bin/pbitsim"
script "a SystemC top of one's own: sc_main, the firmware as its SC_THREAD, against model" "$build/bin/pbit_sc_top"
script "pbitsim train: BSFF on model, rtl and systemc" bash tests/cli/train_test.sh "$build/bin/pbitsim"
script "pbitsim sweep: points, shards, merge, resume" bash tests/cli/sweep_test.sh "$build/bin/pbitsim"
script "set-up and data converter" bash tests/cli/setup_test.sh "$build/bin/mnist_json2idx"
script "RTL unit tests on Icarus Verilog" bash tests/rtl/run_icarus.sh "$build/bin/accel_params" "$build/icarus"

echo "make test: $passed passed, $failed failed"
exit $status
