#!/usr/bin/env bash
# pbitsim datapath (shared/spec/cli.md): the model and RTL backends write
# identical a.csv and c.json; results match an independent awk computation;
# cycles follow the documented formula; bad inputs exit 2 naming the file
# and line; failures leave no output behind.
# Usage: tests/cli/datapath_test.sh <path to pbitsim> (from the repo root)
set -u
PBITSIM=${1:?usage: datapath_test.sh <pbitsim>}
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# gen_matrix <rows> <cols> <lo> <hi> <seed>: random integers, CSV.
gen_matrix() {
  awk -v r="$1" -v c="$2" -v lo="$3" -v hi="$4" -v s="$5" 'BEGIN {
    srand(s)
    for (i = 0; i < r; i++) {
      line = ""
      for (j = 0; j < c; j++) line = line (j ? "," : "") int(lo + rand() * (hi - lo + 1))
      print line
    }
  }'
}
# gen_indices <n> <d> <seed>: n indices in [0, d), repeats likely.
gen_indices() { awk -v n="$1" -v d="$2" -v s="$3" 'BEGIN { srand(s); for (k = 0; k < n; k++) print int(rand() * d) }'; }

# run_both <name> <accel> [extra args]: both backends, files must be equal.
run_both() {
  local name=$1 accel=$2
  shift 2
  for b in model rtl; do
    expect 0 "$name ($b)" -- datapath --backend "$b" --config "$accel" --out "$TMP/$name.$b.csv" \
      --counters "$TMP/$name.$b.json" "$@"
  done
  cmp -s "$TMP/$name.model.csv" "$TMP/$name.rtl.csv" && ok || bad "$name: a.csv differs between backends"
  cmp -s "$TMP/$name.model.json" "$TMP/$name.rtl.json" && ok || bad "$name: c.json differs between backends"
}
# counter <file.json> <name>
counter() { sed -nE "s/^ *\"$2\": ([0-9]+),?$/\\1/p" "$1"; }

# ---- usage
expect 0 "datapath --help" -- datapath --help
grep -q "^usage: pbitsim datapath" "$TMP/out" && ok || bad "datapath --help text"
expect 0 "pbitsim --help lists datapath" -- --help
grep -q "datapath" "$TMP/out" && ok || bad "--help lists datapath"
expect 2 "no options" -- datapath
expect 2 "bad backend" -- datapath --backend fpga --config small --weights a --bias b \
  --indices c --out d --counters e
stderr_has "bad backend" "fpga"
expect 2 "unknown option" -- datapath --backend model --frob 1

# ---- FORWARD, small (16 lanes): 40 x 37 layer (C = 3 chunks, 5 lanes in
# the last), 50 indices with repeats (4 FIFO pieces of 16).
gen_matrix 40 37 -2000 2000 1 >"$TMP/W.csv"
gen_matrix 1 37 -300 300 2 >"$TMP/b.csv"
gen_matrix 1 37 -500 500 3 >"$TMP/d.csv"
gen_indices 50 40 4 >"$TMP/idx.txt"
FWD=(--weights "$TMP/W.csv" --bias "$TMP/b.csv" --indices "$TMP/idx.txt")
run_both fwd small "${FWD[@]}"
# Independent result: a_j = b_j + sum over the list of W[i][j] (no clamp can
# happen at these magnitudes with 24-bit accumulators).
awk -F, 'FNR == NR { for (j = 1; j <= NF; j++) w[FNR - 1, j] = $j; n = NF; next }
  FILENAME ~ /b.csv$/ { for (j = 1; j <= NF; j++) a[j] = $j; next }
  { for (j = 1; j <= n; j++) a[j] += w[$1, j] }
  END { line = ""; for (j = 1; j <= n; j++) line = line (j > 1 ? "," : "") a[j]; print line }' \
  "$TMP/W.csv" "$TMP/b.csv" "$TMP/idx.txt" >"$TMP/fwd.expect"
cmp -s "$TMP/fwd.expect" "$TMP/fwd.model.csv" && ok || bad "FORWARD result differs from the awk sum"
[[ $(wc -l <"$TMP/fwd.model.csv") -eq 1 ]] && ok || bad "FORWARD a.csv is one row"
# Cycles (docs/datapath.md): pieces of <= 16 indices, each 2 + m*C, plus 2C
# (bias + DAC codes) on the last: 4 pieces, C = 3 -> 8 + 150 + 6 = 164.
[[ $(counter "$TMP/fwd.model.json" cycles) -eq 164 ]] && ok || bad "FORWARD cycles $(counter "$TMP/fwd.model.json" cycles), want 164"
[[ $(counter "$TMP/fwd.model.json" indices) -eq 50 ]] && ok || bad "FORWARD indices counter"
[[ $(counter "$TMP/fwd.model.json" lane_adds) -eq $(((50 + 1) * 37)) ]] && ok || bad "FORWARD lane_adds"
[[ $(counter "$TMP/fwd.model.json" sram_reads) -eq $(((50 + 1) * 3)) ]] && ok || bad "FORWARD sram_reads"
[[ $(counter "$TMP/fwd.model.json" dac_codes) -eq 37 ]] && ok || bad "FORWARD dac_codes"
for k in cycles stall_cycles indices sram_reads sram_writes lane_adds saturations dac_codes; do
  grep -q "\"$k\": " "$TMP/fwd.model.json" || bad "c.json lacks $k"
done
ok

# ---- UPDATE, wide (64 lanes, 12-bit weights): W[i] += delta per listed i
# (saturating to 12 bits), b += delta; a.csv is the weight matrix.
gen_matrix 40 37 -2000 2000 5 >"$TMP/Ww.csv"
gen_matrix 1 37 -2000 2000 6 >"$TMP/bw.csv"
gen_matrix 1 37 -700 700 7 >"$TMP/dw.csv"
UPD=(--weights "$TMP/Ww.csv" --bias "$TMP/bw.csv" --indices "$TMP/idx.txt" --delta "$TMP/dw.csv")
run_both upd wide "${UPD[@]}"
awk -F, 'FNR == NR { for (j = 1; j <= NF; j++) w[FNR - 1, j] = $j; n = NF; d = FNR; next }
  FILENAME ~ /dw.csv$/ { for (j = 1; j <= NF; j++) dl[j] = $j; next }
  { i = $1; for (j = 1; j <= n; j++) { v = w[i, j] + dl[j]; if (v > 2047) v = 2047; if (v < -2048) v = -2048; w[i, j] = v } }
  END { for (i = 0; i < d; i++) { line = ""; for (j = 1; j <= n; j++) line = line (j > 1 ? "," : "") w[i, j]; print line } }' \
  "$TMP/Ww.csv" "$TMP/dw.csv" "$TMP/idx.txt" >"$TMP/upd.expect"
cmp -s "$TMP/upd.expect" "$TMP/upd.model.csv" && ok || bad "UPDATE weights differ from the awk update"
[[ $(counter "$TMP/upd.model.json" saturations) -gt 0 ]] && ok || bad "UPDATE saw no saturation"
[[ $(counter "$TMP/upd.model.json" sram_writes) -eq 51 ]] && ok || bad "UPDATE sram_writes (C = 1)"
# wide: FIFO_DEPTH 32 -> 2 pieces: 4 + 50 + 1 (bias) = 55 cycles.
[[ $(counter "$TMP/upd.model.json" cycles) -eq 55 ]] && ok || bad "UPDATE cycles $(counter "$TMP/upd.model.json" cycles), want 55"

# ---- empty index list: FORWARD is the bias alone; saturating accumulators.
: >"$TMP/none.txt"
run_both empty small --weights "$TMP/W.csv" --bias "$TMP/b.csv" --indices "$TMP/none.txt"
cmp -s "$TMP/b.csv" "$TMP/empty.model.csv" && ok || bad "empty list: a = b"
gen_matrix 3 20 32000 32767 8 >"$TMP/Wbig.csv"
awk 'BEGIN { for (k = 0; k < 300; k++) print k % 3 }' >"$TMP/many.txt"
expect 2 "bias width must match" -- datapath --backend model --config small --weights "$TMP/Wbig.csv" \
  --bias "$TMP/b.csv" --indices "$TMP/many.txt" --out "$TMP/x.csv" --counters "$TMP/x.json"
stderr_has "bias width" "b.csv:1:1: expected 20 values"
gen_matrix 1 20 0 0 9 >"$TMP/b20.csv"
run_both sat small --weights "$TMP/Wbig.csv" --bias "$TMP/b20.csv" --indices "$TMP/many.txt"
[[ $(head -c 8 "$TMP/sat.model.csv") == "8388607," ]] && ok || bad "accumulators saturate at 2^23-1"

# ---- bad inputs: exit 2, the file (and line) named, no output left.
printf '1,2\n3\n' >"$TMP/short.csv"
printf '1,2\n3,x4\n' >"$TMP/word.csv"
printf '1,2\n\n3,4\n' >"$TMP/blank.csv"
printf '1,99999\n' >"$TMP/wide.csv"
printf '1,2\n3,4\n' >"$TMP/W2.csv"
printf '0,0\n' >"$TMP/b2.csv"
printf '0\n2\n' >"$TMP/idx2.txt"
printf '0\n-1\n' >"$TMP/neg.txt"
printf '0\n1 1\n' >"$TMP/two.txt"
OUT=(--out "$TMP/bad.csv" --counters "$TMP/bad.json")
for be in model rtl; do
  expect 2 "short row ($be)" -- datapath --backend $be --config small --weights "$TMP/short.csv" \
    --bias "$TMP/b2.csv" --indices "$TMP/idx2.txt" "${OUT[@]}"
  stderr_has "short row" "short.csv:2:1: row has 1 values, expected 2"
done
expect 2 "not a number" -- datapath --backend model --config small --weights "$TMP/word.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/idx2.txt" "${OUT[@]}"
stderr_has "not a number" "word.csv:2:3: expected an integer"
expect 2 "empty line" -- datapath --backend model --config small --weights "$TMP/blank.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/idx2.txt" "${OUT[@]}"
stderr_has "empty line" "blank.csv:2:1: empty line"
expect 2 "weight too wide" -- datapath --backend rtl --config small --weights "$TMP/wide.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/idx2.txt" "${OUT[@]}"
stderr_has "weight too wide" "wide.csv:1:3: value 99999 is outside the 16-bit weight range"
expect 2 "index out of range" -- datapath --backend rtl --config small --weights "$TMP/W2.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/idx2.txt" "${OUT[@]}"
stderr_has "index out of range" "idx2.txt:2:1: index 2 out of range"
expect 2 "negative index" -- datapath --backend model --config small --weights "$TMP/W2.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/neg.txt" "${OUT[@]}"
stderr_has "negative index" "neg.txt:2:1: expected a non-negative integer index"
expect 2 "two indices on a line" -- datapath --backend model --config small --weights "$TMP/W2.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/two.txt" "${OUT[@]}"
stderr_has "two indices" "two.txt:2:3"
expect 2 "missing weights file" -- datapath --backend model --config small --weights "$TMP/none.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/idx2.txt" "${OUT[@]}"
stderr_has "missing file" "none.csv"
expect 2 "delta width" -- datapath --backend model --config small --weights "$TMP/W2.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/none.txt" --delta "$TMP/b.csv" "${OUT[@]}"
stderr_has "delta width" "b.csv:1:1: expected 2 values"
expect 2 "unknown accel" -- datapath --backend model --config nosuchaccel --weights "$TMP/W2.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/none.txt" "${OUT[@]}"
stderr_has "unknown accel" "nosuchaccel"
expect 2 "dac shift" -- datapath --backend model --config small --weights "$TMP/W2.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/none.txt" --dac-shift 24 "${OUT[@]}"
# An accelerator without an RTL build: the error names the make command.
expect 2 "no RTL build" -- datapath --backend rtl --config tiny --weights "$TMP/W2.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/none.txt" "${OUT[@]}"
stderr_has "no RTL build" "make RTL_ACCELS="
[[ ! -e "$TMP/bad.csv" && ! -e "$TMP/bad.json" ]] && ok || bad "a failed run left an output"
ls "$TMP" | grep -q '\.tmp\.' && bad "temporary file left behind" || ok
mkdir -p "$TMP/dir.csv"
expect 2 "output is a directory" -- datapath --backend model --config small --weights "$TMP/W2.csv" \
  --bias "$TMP/b2.csv" --indices "$TMP/none.txt" --out "$TMP/dir.csv" --counters "$TMP/c.json"

finish "pbitsim datapath"
