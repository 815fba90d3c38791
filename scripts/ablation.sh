#!/usr/bin/env bash
# The BSFF ablation table of docs/results.md: one knob at a time around a
# base run (configs/default.yaml unless --base: 784-500-500, K = 4, R = 10,
# hardware mode, T = 1, smtj-fast p-bits with variation, random negatives,
# one epoch on the full Fashion-MNIST training set, the full test split).
#
#   scripts/ablation.sh [--out DIR] [--base run.yaml] [--jobs N] [--only NAME,...]
#
# Each variant is a run config written to DIR/configs/<name>.yaml (the base
# with one key changed, and for the device variants a device file in
# DIR/devices/), trained with `pbitsim train` into DIR/<name>/. Finished
# variants (DIR/<name>/summary.json present) are skipped, so an interrupted
# table resumes. At the end DIR/ablation.csv and DIR/ablation.md collect
# test accuracy, energy per update and samples/s of every variant.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/runs/ablation
BASE=$ROOT/configs/default.yaml
JOBS=1
ONLY=
PBITSIM=${PBITSIM:-$ROOT/build/bin/pbitsim}
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --base) BASE=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "ablation: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -x $PBITSIM ]] || { echo "ablation: build pbitsim first (make)" >&2; exit 2; }
mkdir -p "$OUT/configs" "$OUT/devices"

# device <name> <dwell_ns> <variation on|off>: smtj-fast with those changes.
device() {
  local f=$OUT/devices/$1.yaml
  sed -e "s/^  name: smtj-fast/  name: $1/" -e "s/^  dwell_ns: 2.0 .*/  dwell_ns: $2/" \
    "$ROOT/configs/devices/smtj-fast.yaml" >"$f"
  if [[ $3 == off ]]; then
    sed -i -e 's/^    sigma_offset: .*/    sigma_offset: 0/' -e 's/^    sigma_gain: .*/    sigma_gain: 0/' \
      -e 's/^    sigma_log_tau: .*/    sigma_log_tau: 0/' "$f"
  fi
  echo "$f"
}

# variant <name> <what changed> <sed expressions...>
NAMES=()
declare -A WHAT
variant() {
  local name=$1 what=$2
  shift 2
  NAMES+=("$name")
  WHAT[$name]=$what
  local args=(-e "s/^  name: .*/  name: ablation-$name/")
  for e in "$@"; do args+=(-e "$e"); done
  sed "${args[@]}" "$BASE" >"$OUT/configs/$name.yaml"
}

variant base "base (K=4, hardware, T=1, dwell/clock=1, variation on, random negatives)"
variant k1 "K = 1" 's/^    copies: .*/    copies: 1/'
variant k2 "K = 2" 's/^    copies: .*/    copies: 2/'
variant k8 "K = 8" 's/^    copies: .*/    copies: 8/'
variant reference "reference mode (expectations)" 's/^    mode: .*/    mode: reference/'
variant t2 "T = 2" 's/^    samples: .*/    samples: 2/'
variant t4 "T = 4" 's/^    samples: .*/    samples: 4/'
for r in 0 3 10; do
  dev=$(device "dwell$r" "$(awk -v r="$r" 'BEGIN { print 2.0 * r }')" on)
  variant "dwell$r" "dwell / clock = $r" "s|^  device: .*|  device: $dev|"
done
dev=$(device novar 2.0 off)
variant novar "device variation off" "s|^  device: .*|  device: $dev|"
variant hard "hard negatives" 's/^    negatives: .*/    negatives: hard/'

run_one() {
  local name=$1
  [[ -f $OUT/$name/summary.json ]] && { echo "ablation: $name done, skipped"; return 0; }
  echo "ablation: $name ..."
  "$PBITSIM" train --config "$OUT/configs/$name.yaml" --out "$OUT/$name" --quiet >"$OUT/$name.log" 2>&1 ||
    { echo "ablation: $name failed (see $OUT/$name.log)" >&2; return 1; }
  grep -E '^test accuracy' "$OUT/$name.log" | sed "s/^/ablation: $name: /"
}
export -f run_one
export OUT PBITSIM

todo=()
for n in "${NAMES[@]}"; do
  if [[ -n $ONLY && ",$ONLY," != *",$n,"* ]]; then continue; fi
  todo+=("$n")
done
printf '%s\n' "${todo[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}'

# The table.
{
  echo "variant,what,test_accuracy,energy_per_update_pj,samples_per_second"
  for n in "${NAMES[@]}"; do
    [[ -f $OUT/$n/summary.json ]] || continue
    python3 - "$OUT/$n/summary.json" "$n" "${WHAT[$n]}" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print('%s,"%s",%.4f,%.1f,%.1f' % (sys.argv[2], sys.argv[3], s["test_accuracy"],
      s["energy_per_update_pj"], s["samples_per_second"]))
EOF
  done
} >"$OUT/ablation.csv"
python3 - "$OUT/ablation.csv" >"$OUT/ablation.md" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("| variant | test accuracy | energy per update (nJ) | training samples/s |")
print("| --- | ---: | ---: | ---: |")
for r in rows:
    print("| %s | %.2f %% | %.1f | %.0f |" % (r["what"], 100 * float(r["test_accuracy"]),
          float(r["energy_per_update_pj"]) / 1000, float(r["samples_per_second"])))
EOF
cat "$OUT/ablation.md"
