#!/usr/bin/env bash
# make icarus: compiles the RTL with Icarus Verilog (iverilog -g2012) and runs
# every directed testbench tests/rtl/<name>_tb.sv. A testbench passes when
# its run prints "TB PASS" and nothing printed "TB FAIL" (tb_util.svh).
#
#   bash tests/rtl/run_icarus.sh <accel_params> <out_dir> [tb.sv...]
#
# A testbench whose top module has the datapath parameters may ask to be
# run once per accelerator config with a comment line
#   // icarus-configs: tiny small
# its parameters then come from the YAML (accel_params --format iverilog),
# the single source of truth; otherwise it runs once with its own defaults.
# Per run: <out_dir>/<tb>[.<config>].vvp and .log. Last line:
#   icarus: N passed, M failed
# Environment: RTL_DIR (default rtl), IVERILOG, VVP, ICARUS_TIMEOUT (s, per run).
set -u

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <accel_params> <out_dir> [tb.sv...]" >&2
  exit 2
fi
accel_params=$1
out=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rtl=${RTL_DIR:-rtl}
iverilog=${IVERILOG:-iverilog}
vvp=${VVP:-vvp}
limit=${ICARUS_TIMEOUT:-600}

shopt -s nullglob
tbs=("$@")
[[ ${#tbs[@]} -gt 0 ]] || tbs=("$here"/*_tb.sv)
rtl_files=("$rtl"/*_pkg.sv)
for f in "$rtl"/*.sv; do
  [[ $f == *_pkg.sv ]] || rtl_files+=("$f")
done
if [[ ${#rtl_files[@]} -eq 0 || ${#tbs[@]} -eq 0 ]]; then
  echo "icarus: no RTL in $rtl/*.sv or no testbench in $here/*_tb.sv" >&2
  echo "icarus: 0 passed, 1 failed"
  exit 1
fi
for tool in "$iverilog" "$vvp"; do
  if ! command -v "$tool" >/dev/null; then
    echo "icarus: $tool not found (make deps installs iverilog)" >&2
    echo "icarus: 0 passed, 1 failed"
    exit 1
  fi
done
mkdir -p "$out" || exit 1

pass=0
fail=0
run_one() { # <tb file> <tb module> <config or ""> <-P flags...>
  local file=$1 top=$2 cfg=$3
  shift 3
  local tag=$top${cfg:+.$cfg}
  local t0 t1 rc
  t0=$(date +%s.%N)
  if ! "$iverilog" -g2012 -Wall -Wno-timescale -o "$out/$tag.vvp" -s "$top" -I "$here" -I "$rtl" \
    "$@" "${rtl_files[@]}" "$file" >"$out/$tag.compile.log" 2>&1; then
    echo "FAIL $tag: iverilog did not compile (see $out/$tag.compile.log):"
    grep -m 10 -E 'error|sorry' "$out/$tag.compile.log" | sed 's/^/  /'
    fail=$((fail + 1))
    return
  fi
  timeout "$limit" "$vvp" -n "$out/$tag.vvp" >"$out/$tag.log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  local secs summary
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  summary=$(grep -m 1 -E '^TB (PASS|FAIL)' "$out/$tag.log")
  if [[ $rc -eq 0 ]] && grep -q '^TB PASS' "$out/$tag.log" && ! grep -qE '^TB FAIL|^FAIL ' "$out/$tag.log"; then
    echo "ok   $tag (${secs}s) ${summary#TB PASS: }"
    pass=$((pass + 1))
  else
    [[ $rc -eq 124 ]] && summary="timeout after ${limit}s"
    echo "FAIL $tag (${secs}s, exit $rc): ${summary:-no TB PASS line} (see $out/$tag.log)"
    grep -m 10 -E '^FAIL |^TB FAIL|ERROR|error' "$out/$tag.log" | sed 's/^/  /'
    fail=$((fail + 1))
  fi
}

for file in "${tbs[@]}"; do
  top=$(basename "$file" .sv)
  configs=$(sed -n 's|^// icarus-configs: *||p' "$file" | head -n 1)
  if [[ -z "$configs" ]]; then
    run_one "$file" "$top" ""
    continue
  fi
  for cfg in $configs; do
    if ! flags=$("$accel_params" --config "$cfg" --format iverilog --top "$top"); then
      echo "FAIL $top.$cfg: accel_params could not read config '$cfg'"
      fail=$((fail + 1))
      continue
    fi
    # shellcheck disable=SC2086 # flags are words without spaces
    run_one "$file" "$top" "$cfg" $flags
  done
done
echo "icarus: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
