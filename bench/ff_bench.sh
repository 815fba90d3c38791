#!/usr/bin/env bash
# bench/ff_bench.sh: training throughput of the real-valued forward-forward
# baseline, C (build/bin/ff_train, firmware/ff) vs PyTorch on the CPU
# (bench/torch_ff.py), measured side by side in one run: same network
# (784-500-500, ff.c's defaults: appended labels, hard negatives over the 10
# label passes, SymBa loss, readout, Adam, batch 64), same first N
# Fashion-MNIST training examples, same thread count. Run by `make bench`
# (bench-ff); docs/performance.md has the figures.
#
#   bench/ff_bench.sh [--examples N] [--threads N] [--repeat R] [--ff-train PATH]
#                     [--python PATH]
#
# C: `ff_train --train-limit N --epochs 2`, the samples/s of epoch 2 (epoch
# 1 is the warm-up). PyTorch: torch_ff.py --examples N (after a 640-example
# warm-up). Both run with OMP_WAIT_POLICY=passive unless it is set (the
# machine may be shared; see ff_train --help). --repeat R: R alternating
# runs of each, the best samples/s of each reported (default 1).
# No PyTorch for $PYTHON: the comparison is skipped with a message, exit 0.
# Exit codes: 0 success or skipped, 1 a trainer failed, 2 bad usage.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXAMPLES=10000
THREADS=2
REPEAT=1
FF_TRAIN=$ROOT/build/bin/ff_train
# Debian's python3-torch lives in /usr/bin/python3's dist-packages (a pyenv or
# venv python3 earlier in PATH would not see it).
PYTHON=${PYTHON:-/usr/bin/python3}

# ------------------------------------------------------------------ BSFF
# The BSFF trainer's row: `pbitsim train` on configs/default.yaml (784-500-500,
# K = 4, hardware mode, random negatives; online, one thread) over the same
# first $EXAMPLES training examples; samples/s from its summary.json.
# BSFF_CMD in the environment replaces it (any command printing
# `samples_per_s=<x>`; single quotes keep $EXAMPLES for when it runs).
BSFF_DEFAULT='d=$(mktemp -d) && build/bin/pbitsim train --config configs/default.yaml --train-limit $EXAMPLES --test-limit 10 --out "$d" --quiet >/dev/null && $PYTHON -c "import json,sys; print(\"samples_per_s=%.1f\" % json.load(open(sys.argv[1]))[\"samples_per_second\"])" "$d/summary.json"; rc=$?; rm -rf "$d"; exit $rc'
BSFF_CMD=${BSFF_CMD:-$BSFF_DEFAULT}
# ------------------------------------------------------------------------

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
bad() {
  echo "ff_bench: $*" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case $1 in
    --examples) EXAMPLES=${2-}; shift 2 || bad "--examples needs a value" ;;
    --threads) THREADS=${2-}; shift 2 || bad "--threads needs a value" ;;
    --repeat) REPEAT=${2-}; shift 2 || bad "--repeat needs a value" ;;
    --ff-train) FF_TRAIN=${2-}; shift 2 || bad "--ff-train needs a value" ;;
    --python) PYTHON=${2-}; shift 2 || bad "--python needs a value" ;;
    -h | --help) usage; exit 0 ;;
    *) bad "unknown option '$1' (see --help)" ;;
  esac
done
[[ $EXAMPLES =~ ^[1-9][0-9]*$ ]] || bad "bad --examples '$EXAMPLES'"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || bad "bad --threads '$THREADS'"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || bad "bad --repeat '$REPEAT'"
[[ -x $FF_TRAIN ]] || bad "$FF_TRAIN not built (make all)"

if ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
  echo "ff bench: skipped: PyTorch is not installed for $PYTHON (Debian package python3-torch);"
  echo "          'scripts/setup.sh --bench' installs it (as root), then re-run make bench"
  exit 0
fi

export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# If torch's BLAS is OpenBLAS (pthreads), give it the same thread count.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$THREADS}

TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

echo "ff bench: real-valued FF 784-500-500, batch 64, ff.c defaults (hard negatives, readout);" \
  "$EXAMPLES Fashion-MNIST examples, $THREADS threads, best of $REPEAT, OMP_WAIT_POLICY=$OMP_WAIT_POLICY," \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 > b + 0) ? a : b }'; }
C_SPS="" T_SPS=""
for ((rep = 1; rep <= REPEAT; rep++)); do
  # C: epoch 2 of 2 over the first EXAMPLES examples (test set cut to 1
  # image: the accuracy printed at the end is meaningless here, and untimed).
  if ! "$FF_TRAIN" --dataset fashion-mnist --train-limit "$EXAMPLES" --test-limit 1 --epochs 2 \
    --threads "$THREADS" --seed 1 >"$TMP/c.log" 2>&1; then
    cat "$TMP/c.log" >&2
    echo "ff_bench: $FF_TRAIN failed" >&2
    exit 1
  fi
  sps=$(awk '$1 == "epoch" && $2 == 2 { for (i = 3; i <= NF; i++) if ($i == "ex/s") print $(i - 1) }' "$TMP/c.log")
  [[ -n $sps ]] || {
    cat "$TMP/c.log" >&2
    echo "ff_bench: no 'epoch 2 ... ex/s' line in ff_train's output" >&2
    exit 1
  }
  C_SPS=$(max "$sps" "$C_SPS")

  if ! "$PYTHON" "$ROOT/bench/torch_ff.py" --examples "$EXAMPLES" --threads "$THREADS" \
    >"$TMP/torch.log" 2>&1; then
    cat "$TMP/torch.log" >&2
    echo "ff_bench: bench/torch_ff.py failed" >&2
    exit 1
  fi
  T_LINE=$(grep -m1 '^torch_ff ' "$TMP/torch.log")
  T_SPS=$(max "$(field samples_per_s "$T_LINE")" "$T_SPS")
  T_VER=$(field torch "$T_LINE")
  T_BLAS=$(field blas "$T_LINE")
  [[ $REPEAT -gt 1 ]] && echo "  run $rep/$REPEAT: C $sps, torch $(field samples_per_s "$T_LINE") samples/s"
done

B_SPS=""
if [[ -n $BSFF_CMD ]]; then
  if ! (cd "$ROOT" && eval "$BSFF_CMD") >"$TMP/bsff.log" 2>&1; then
    cat "$TMP/bsff.log" >&2
    echo "ff_bench: BSFF command failed: $BSFF_CMD" >&2
    exit 1
  fi
  B_SPS=$(grep -o 'samples_per_s=[0-9.eE+-]*' "$TMP/bsff.log" | tail -n 1 | cut -d= -f2)
  [[ -n $B_SPS ]] || echo "ff_bench: warning: no samples_per_s=<x> in the BSFF output" >&2
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '  %-52s %11s %9s\n' "trainer" "samples/s" "/ torch"
printf '  %-52s %11.0f %8sx\n' "C      build/bin/ff_train (firmware/ff)" "$C_SPS" "$(ratio "$C_SPS" "$T_SPS")"
printf '  %-52s %11.0f %8sx\n' "torch  bench/torch_ff.py ($T_VER, BLAS $T_BLAS)" "$T_SPS" "1.00"
if [[ -n $B_SPS ]]; then
  printf '  %-52s %11.0f %8sx\n' "BSFF   pbitsim train" "$B_SPS" "$(ratio "$B_SPS" "$T_SPS")"
else
  printf '  %-52s %11s\n' "BSFF   pbitsim train" "not yet"
fi
echo "ff_bench c_samples_per_s=$C_SPS torch_samples_per_s=$T_SPS ratio_c_torch=$(ratio "$C_SPS" "$T_SPS")" \
  "bsff_samples_per_s=${B_SPS:-NA} examples=$EXAMPLES threads=$THREADS repeat=$REPEAT torch_blas=$T_BLAS"
