#!/usr/bin/env bash
# make synth: Yosys cell counts for each accelerator configuration.
#
#   bash rtl/synth/run_synth.sh <accel_params> <out_dir> <configs/accel/x.yaml>...
#
# For each config: the parameters come from the YAML through accel_params
# (the single source of truth), the script is rtl/synth/synth.ys with its
# @...@ fields filled, and the results go to
#   <out_dir>/<name>.ys  .log  .stat.json  .mem.json  .params.tsv
# followed by one summary over all configs:
#   <out_dir>/report.md   (tables, see docs/rtl-flows.md)
#   <out_dir>/report.csv  (one row per config)
# Environment: YOSYS (default yosys), RTL_DIR (default rtl),
# TOP (default pbit_dp_top), SYNTH_TIMEOUT seconds per config (default 3600).
set -u

if [[ $# -lt 3 ]]; then
  echo "usage: $0 <accel_params> <out_dir> <accel.yaml>..." >&2
  exit 2
fi
accel_params=$1
out=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
yosys=${YOSYS:-yosys}
rtl=${RTL_DIR:-rtl}
top=${TOP:-pbit_dp_top}
limit=${SYNTH_TIMEOUT:-3600}

# Packages first (Yosys reads files in order), then the modules.
shopt -s nullglob
rtl_files=("$rtl"/*_pkg.sv)
for f in "$rtl"/*.sv; do
  [[ $f == *_pkg.sv ]] || rtl_files+=("$f")
done
if [[ ${#rtl_files[@]} -eq 0 ]]; then
  echo "synth: no RTL in $rtl/*.sv" >&2
  exit 1
fi
if ! command -v "$yosys" >/dev/null; then
  echo "synth: $yosys not found (make deps installs it)" >&2
  exit 1
fi
mkdir -p "$out" || exit 1

csv=$out/report.csv.tmp
md_rows=$out/report.rows.tmp
md_blocks=$out/report.blocks.tmp
echo "config,lanes,weight_bits,acc_bits,dac_bits,scan_bits,fifo_depth,max_inputs,max_units,cells,flip_flops,mux,xor_xnor,and_or,not,other,memories,memory_bits,cmos_transistors,check_problems,seconds,status" >"$csv"
: >"$md_rows"
: >"$md_blocks"
failures=0
for cfg in "$@"; do
  vars=$("$accel_params" --config "$cfg" --format make) || { failures=$((failures + 1)); continue; }
  chparam=$("$accel_params" --config "$cfg" --format yosys --top "$top") || { failures=$((failures + 1)); continue; }
  get() { sed -n "s/^ACCEL_$1 := //p" <<<"$vars"; }
  name=$(get NAME)
  base=$out/$name
  rm -f "$base".stat.json "$base".mem.json "$base".params.tsv
  sed -e "s|@RTL_DIR@|$rtl|g" -e "s|@RTL_FILES@|${rtl_files[*]}|g" -e "s|@CHPARAM@|$chparam|g" \
    -e "s|@TOP@|$top|g" -e "s|@OUT@|$base|g" "$here/synth.ys" >"$base.ys"
  echo "synth: $name ($cfg) -> $base.log"
  t0=$(date +%s.%N)
  timeout "$limit" "$yosys" -q -l "$base.log" "$base.ys" >/dev/null 2>"$base.stderr"
  rc=$?
  t1=$(date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  [[ -s $base.stderr ]] || rm -f "$base.stderr"
  status=ok
  if [[ $rc -eq 124 ]]; then
    status="timeout after ${limit}s"
  elif [[ $rc -ne 0 || ! -s $base.stat.json || ! -s $base.mem.json ]]; then
    status="yosys failed (exit $rc)"
  fi
  params="$(get LANES),$(get WEIGHT_BITS),$(get ACC_BITS),$(get DAC_BITS),$(get SCAN_BITS),$(get FIFO_DEPTH),$(get MAX_INPUTS),$(get MAX_UNITS)"
  if [[ $status != ok ]]; then
    failures=$((failures + 1))
    echo "synth: $name: $status (see $base.log)" >&2
    grep -h -m 3 -iE 'error|exception' "$base.log" "$base.stderr" 2>/dev/null >&2
    echo "$name,$params,,,,,,,,,,,,$secs,$status" >>"$csv"
    printf '| %s | %s | | | | | | | | | | | | %s | %s |\n' "$name" "${params//,/ | }" "$secs" "$status" >>"$md_rows"
    continue
  fi
  # Parameters of each derived module, from the log of the hierarchy pass:
  # "Parameter \Depth = 256" lines right before "Generating RTLIL ... `<module>'".
  awk '/^Parameter \\/ { n = $2; sub(/^\\/, "", n); p = p (p == "" ? "" : " ") n "=" $4; next }
       /^Generating RTLIL representation for module `/ {
         m = $0; sub(/.*module `/, "", m); sub(/\x27\.$/, "", m)
         if (p != "") print m "\t" p
       }
       { p = "" }' "$base.log" | sort -u >"$base.params.tsv"
  summary=$(awk -v mem="$base.mem.json" -v params="$base.params.tsv" -f "$here/stat_report.awk" \
    "$base.stat.json")
  IFS=$'\t' read -r _ cells ff mux xor andor not other mem membits <<<"$(grep '^total' <<<"$summary")"
  transistors=$(sed -n 's/.*Estimated number of transistors: *\([0-9]*\).*/\1/p' "$base.log" | tail -n 1)
  problems=$(sed -n 's/^Found and reported \([0-9]*\) problems.*/\1/p' "$base.log" | tail -n 1)
  echo "$name,$params,$cells,$ff,$mux,$xor,$andor,$not,$other,$mem,${membits:-0},${transistors:-},${problems:-},$secs,ok" >>"$csv"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | ok |\n' "$name" \
    "${params//,/ | }" "$cells" "$ff" "$mux" "$xor" "$andor" "$not" "$other" "$mem" \
    "${membits:-0}" "${transistors:-}" "${problems:-}" "$secs" >>"$md_rows"

  # Per block: each module's own cells (submodule instances not included).
  {
    echo
    echo "### $name: cells per block (per instance)"
    echo
    echo "| block | instances | cells | flip-flops | mux | xor/xnor | and/or | not | memories | memory bits | other cell types |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    grep '^block' <<<"$summary" | cut -f2- | sort -t$'\t' -k1,1 | sed -e 's/\t/ | /g' -e 's/^/| /' -e 's/$/ |/' -e 's/|  |$/| |/'
  } >>"$md_blocks"
done

{
  echo "# Synthesis report"
  echo
  echo "Yosys $("$yosys" -V 2>/dev/null | sed -n 's/^Yosys \([^ ]*\).*/\1/p'), rtl/synth/synth.ys: generic gates, SRAMs kept as \`\$mem_v2\` macros"
  echo "(not mapped to flip-flops). Cells are counted over the whole hierarchy below \`$top\`."
  echo "How to read it: docs/rtl-flows.md. Generated by \`make synth\`; do not edit."
  echo
  echo "| config | L | WB | AB | DB | SB | FD | MI | MU | cells | flip-flops | mux | xor/xnor | and/or | not | other | memories | memory bits | est. transistors | check problems | seconds | status |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  cat "$md_rows"
  cat "$md_blocks"
} >"$out/report.md.tmp"
mv "$out/report.md.tmp" "$out/report.md"
mv "$csv" "$out/report.csv"
rm -f "$md_rows" "$md_blocks"
echo "synth: $out/report.md, $out/report.csv ($# configs, $failures failed)"
[[ $failures -eq 0 ]]
