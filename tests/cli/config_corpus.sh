#!/usr/bin/env bash
# Runs pbitsim on every malformed config of tests/config/corpus/ and checks
# the command-line contract for bad input: exit code 2, the first stderr line
# "pbitsim: <file>:<line>:<col>: " at the position the file's expect comment
# (or its <file>.expect sidecar) names, and no output file left behind.
#
#   bash tests/cli/config_corpus.sh build/bin/pbitsim
#
# accel-*.yaml files go through `pbitsim datapath` once that subcommand
# exists, else through accel_params from the same build directory (prefix
# "accel_params: " instead of "pbitsim: ").
set -u

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 <path-to-pbitsim>" >&2
  exit 2
fi
pbitsim=$1
corpus=$(cd "$(dirname "${BASH_SOURCE[0]}")/../config/corpus" && pwd) || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
# A hang is a failure too, not a stuck test run.
run=()
if command -v timeout >/dev/null; then run=(timeout 30); fi

# Accelerator configs: valid 1x1 operands, so that only the config is wrong.
accel_tool=()
accel_prefix=
if "$pbitsim" datapath --help >/dev/null 2>&1; then
  printf '0\n' >"$tmp/w.csv"
  printf '0\n' >"$tmp/b.csv"
  printf '0\n' >"$tmp/idx.txt"
  accel_tool=("$pbitsim" datapath --backend model --weights "$tmp/w.csv" --bias "$tmp/b.csv"
              --indices "$tmp/idx.txt" --counters "$tmp/out/c.json" --config)
  accel_prefix=pbitsim
elif [[ -x "$(dirname "$pbitsim")/accel_params" ]]; then
  accel_tool=("$(dirname "$pbitsim")/accel_params" --format json --config)
  accel_prefix=accel_params
fi

pass=0
fail=0
failed() {
  echo "FAIL $1: $2" >&2
  fail=$((fail + 1))
}

shopt -s nullglob
accel_files=()
if [[ -n "$accel_prefix" ]]; then
  accel_files=("$corpus"/accel-*.yaml)
else
  failed "accel-*.yaml" "neither 'pbitsim datapath' nor accel_params next to $pbitsim"
fi
for file in "$corpus"/device-*.yaml "$corpus"/ising-*.yaml "$corpus"/run-*.yaml "${accel_files[@]}"; do
  name=$(basename "$file")
  expect_src=$file
  [[ -f "$file.expect" ]] && expect_src=$file.expect
  pos=$(head -n 1 "$expect_src" | sed -n 's/^# expect: \([0-9]*:[0-9]*\) .*/\1/p')
  if [[ -z "$pos" ]]; then
    failed "$name" "no '# expect: L:C text' line"
    continue
  fi
  out=$tmp/out/x.csv
  rm -rf "$tmp/out"
  prefix=pbitsim
  case $name in
    accel-*)
      prefix=$accel_prefix
      cmd=("${accel_tool[@]}" "$file")
      [[ $prefix == pbitsim ]] && cmd+=(--out "$out") ;;
    run-*)
      cmd=("$pbitsim" train --config "$file" --out "$tmp/out" --quiet) ;;
    device-*)
      cmd=("$pbitsim" sample --device "$file" --pbits 2 --z 0 --dt-ns 1 --cycles 1
           --seed 1 --out "$out") ;;
    *)
      cmd=("$pbitsim" gibbs --model "$file" --sweeps 1 --seed 1 --out "$out") ;;
  esac
  "${run[@]}" "${cmd[@]}" >"$tmp/stdout" 2>"$tmp/stderr"
  code=$?
  first=$(head -n 1 "$tmp/stderr")
  leftovers=$(ls -A "$tmp/out" 2>/dev/null)
  if [[ $code -ne 2 ]]; then
    failed "$name" "exit code $code, expected 2 (stderr: $first)"
  elif [[ "$first" != "$prefix: $file:$pos: "* ]]; then
    failed "$name" "stderr '$first', expected '$prefix: $file:$pos: ...'"
  elif [[ -n "$leftovers" ]]; then
    failed "$name" "output left behind: $leftovers"
  else
    pass=$((pass + 1))
  fi
done

total=$((pass + fail))
if [[ $total -eq 0 ]]; then
  echo "config corpus: no files found in $corpus" >&2
  exit 1
fi
echo "config corpus: $pass/$total malformed configs rejected with exit 2 at the expected position"
echo "config corpus: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
