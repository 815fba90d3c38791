#!/usr/bin/env bash
# The pbitsim command-line contract (shared/spec/cli.md): --help, exit codes,
# CSV formats, reproducibility from the seed, no partial outputs.
# Usage: tests/cli/pbitsim_test.sh <path to pbitsim>
set -u
PBITSIM=${1:?usage: pbitsim_test.sh <pbitsim>}
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SAMPLE=(sample --device ideal --pbits 4 --z 0.5 --dt-ns 1 --cycles 50 --seed 3)
GIBBS=(gibbs --model ising-ring10 --sweeps 2000 --seed 5)

expect 0 "pbitsim --help" -- --help
grep -q "sample" "$TMP/out" && grep -q "gibbs" "$TMP/out" && ok || bad "--help lists commands"
expect 0 "sample --help" -- sample --help
grep -q "^usage: pbitsim sample" "$TMP/out" && ok || bad "sample --help text"
expect 0 "gibbs --help" -- gibbs --help
expect 2 "no command" --
expect 2 "unknown command" -- frobnicate
expect 2 "unknown option" -- "${SAMPLE[@]}" --out "$TMP/a.csv" --bogus 1
expect 2 "missing --out" -- "${SAMPLE[@]}"
expect 2 "bad number" -- sample --device ideal --pbits 4x --z 0 --dt-ns 1 --cycles 5 --seed 1 --out "$TMP/b.csv"
expect 2 "negative dt" -- sample --device ideal --pbits 4 --z 0 --dt-ns -1 --cycles 5 --seed 1 --out "$TMP/b.csv"
expect 2 "zero cycles" -- sample --device ideal --pbits 4 --z 0 --dt-ns 1 --cycles 0 --seed 1 --out "$TMP/b.csv"
expect 2 "unknown preset" -- sample --device nosuchdevice --pbits 4 --z 0 --dt-ns 1 --cycles 5 --seed 1 --out "$TMP/b.csv"
grep -q "nosuchdevice" "$TMP/err" && ok || bad "unknown preset is named"
expect 2 "missing device file" -- sample --device "$TMP/none.yaml" --pbits 4 --z 0 --dt-ns 1 --cycles 5 --seed 1 --out "$TMP/b.csv"
[[ ! -e "$TMP/b.csv" ]] && ok || bad "failed runs left an output file"
mkdir -p "$TMP/dir.csv"
expect 2 "output is a directory" -- "${SAMPLE[@]}" --out "$TMP/dir.csv"
ls "$TMP" | grep -q '\.tmp\.' && bad "temporary file left behind" || ok

# sample: format, reproducibility, thread independence.
expect 0 "sample runs" -- "${SAMPLE[@]}" --out "$TMP/s1.csv"
[[ $(head -n 1 "$TMP/s1.csv") == "cycle,p0,p1,p2,p3" ]] && ok || bad "sample header"
[[ $(wc -l <"$TMP/s1.csv") -eq 51 ]] && ok || bad "sample row count"
awk -F, 'NR > 1 { if ($1 != NR - 1) exit 1; for (i = 2; i <= NF; i++) if ($i != 0 && $i != 1) exit 1 }' \
  "$TMP/s1.csv" && ok || bad "sample rows: cycle numbers and 0/1 states"
expect 0 "sample again" -- "${SAMPLE[@]}" --out "$TMP/s2.csv"
cmp -s "$TMP/s1.csv" "$TMP/s2.csv" && ok || bad "same seed gives the same file"
expect 0 "sample other seed" -- sample --device ideal --pbits 4 --z 0.5 --dt-ns 1 --cycles 50 --seed 4 --out "$TMP/s3.csv"
cmp -s "$TMP/s1.csv" "$TMP/s3.csv" && bad "different seeds give the same file" || ok
expect 0 "sample big, 1 thread" -- sample --device smtj-fast --pbits 5000 --z 0.2 --dt-ns 1 --cycles 20 --seed 9 --out "$TMP/t1.csv"
expect 0 "sample big, 2 threads" -- sample --device smtj-fast --pbits 5000 --z 0.2 --dt-ns 1 --cycles 20 --seed 9 --threads 2 --out "$TMP/t2.csv"
cmp -s "$TMP/t1.csv" "$TMP/t2.csv" && ok || bad "thread count changes the samples"
expect 0 "sample summary" -- "${SAMPLE[@]}" --out "$TMP/s4.csv" --summary
grep -q "lag-1 autocorr" "$TMP/out" && ok || bad "summary printed"

# gibbs: format, counts add up to the sweeps, reproducible.
expect 0 "gibbs runs" -- "${GIBBS[@]}" --out "$TMP/h1.csv"
[[ $(head -n 1 "$TMP/h1.csv") == "state,count" ]] && ok || bad "gibbs header"
[[ $(awk -F, 'NR > 1 { s += $2 } END { print s }' "$TMP/h1.csv") -eq 2000 ]] && ok || bad "gibbs counts sum to the sweeps"
awk -F, 'NR > 2 && $1 <= prev { exit 1 } NR > 1 { prev = $1 }' "$TMP/h1.csv" && ok || bad "gibbs states sorted and unique"
expect 0 "gibbs again" -- "${GIBBS[@]}" --out "$TMP/h2.csv"
cmp -s "$TMP/h1.csv" "$TMP/h2.csv" && ok || bad "gibbs same seed gives the same file"
expect 2 "gibbs missing model" -- gibbs --model "$TMP/none.yaml" --sweeps 10 --seed 1 --out "$TMP/h3.csv"
[[ ! -e "$TMP/h3.csv" ]] && ok || bad "gibbs failure left an output"

finish "pbitsim command line"
