#!/usr/bin/env bash
# pbitsim sweep (shared/spec/cli.md, docs/configs.md `sweep:`) on a 2 x 2
# sweep of the co-simulation slice (16 training examples per point):
#  - results.csv has one row per point with the swept columns, every point
#    has its run.yaml and summary.json;
#  - a second run skips every point (nothing retrained);
#  - two shards run with GNU parallel merge (pbitsim sweep --merge and the
#    documented one-line concatenation) to the unsharded results.csv;
#  - -j 2 gives the results of -j 1 (timing columns aside);
#  - a bad axis name or value exits 2 at the sweep file's line:col before any
#    output directory is created; a failing point exits 1 without results.csv;
#  - every sweep in configs/sweeps/ passes --dry-run.
# Needs Fashion-MNIST (scripts/setup.sh installs it): skipped without it.
# Usage: tests/cli/sweep_test.sh <path to pbitsim> (from the repo root)
set -u
PBITSIM=${1:?usage: sweep_test.sh <pbitsim>}
PBITSIM=$(cd "$(dirname "$PBITSIM")" && pwd)/$(basename "$PBITSIM")
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Everything but the timing columns (they differ from run to run).
untimed() {
  python3 - "$1" <<'EOF'
import csv, sys
timing = {"train_seconds", "eval_seconds", "samples_per_second"}
rows = list(csv.reader(open(sys.argv[1])))
keep = [i for i, h in enumerate(rows[0]) if h not in timing]
for r in rows:
    print(",".join(r[i] for i in keep))
EOF
}

FMNIST=${PBITSIM_FASHION_DIR:-/usr/share/datasets/fashion-mnist}
if [[ ! -f $FMNIST/train-images-idx3-ubyte.gz && ! -f $FMNIST/train-images-idx3-ubyte ]]; then
  echo "SKIPPED: Fashion-MNIST not found in $FMNIST (run scripts/setup.sh or make deps)"
  echo "pbitsim sweep: 0 passed, 0 failed (skipped: no data set)"
  exit 0
fi

# The base: the co-simulation slice, cut to 16 / 16 examples; the base path is
# relative to the sweep file.
cp configs/cosim-small.yaml "$TMP/base.yaml"
cat >"$TMP/s.yaml" <<'EOF'
sweep:
  name: test-2x2
  base: base.yaml
  set: {run.train_limit: 16, run.test_limit: 16, run.baseline: false}
  axes:
    run.network.copies: [1, 2]
    run.network.layers: [[32, 32], [16]]
EOF

# ---- the sweep, its rows and columns
expect 0 "sweep -j 1" -- sweep "$TMP/s.yaml" --out "$TMP/a" -j 1
R=$TMP/a/results.csv
[[ -f $R && $(wc -l <"$R") -eq 5 ]] && ok || bad "results.csv: want a header and 4 rows: $(cat "$R" 2>&1 | head -3)"
[[ $(head -n 1 "$R" | cut -d, -f1-3) == "point,run.network.copies,run.network.layers" ]] && ok ||
  bad "results.csv header: $(head -n 1 "$R" | cut -c1-120)"
python3 - "$R" <<'EOF' && ok || bad "results.csv rows: parameters, metrics, status"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want = [("1", "[32, 32]"), ("1", "[16]"), ("2", "[32, 32]"), ("2", "[16]")]
got = [(r["run.network.copies"], r["run.network.layers"]) for r in rows]
assert got == want, got
assert [r["point"] for r in rows] == ["0", "1", "2", "3"]
for r in rows:
    assert r["status"] == "ok", r["status"]
    assert 0 <= float(r["test_accuracy"]) <= 1
    assert float(r["energy_per_update_pj"]) > 0 and float(r["cycles_per_update"]) > 0
    assert r["copies"] == r["run.network.copies"]  # the summary agrees with the sweep
    assert "yosys_cells" in r and "energy_pbits_pj" in r
EOF
for k in 0 1 2 3; do
  [[ -f $TMP/a/points/$k/summary.json && -f $TMP/a/points/$k/run.yaml ]] && ok || bad "point $k outputs"
done
grep -q '^    copies: 2$' "$TMP/a/points/3/run.yaml" && grep -q '^    layers: \[16\]$' "$TMP/a/points/3/run.yaml" &&
  ok || bad "points/3/run.yaml lacks the swept values: $(cat "$TMP/a/points/3/run.yaml")"
"$PBITSIM" train --config "$TMP/a/points/1/run.yaml" --out "$TMP/direct" --quiet >/dev/null 2>&1 && ok ||
  bad "a point's run.yaml does not train on its own"
if command -v gnuplot >/dev/null; then
  for m in energy_per_update_pj test_accuracy cycles_per_update; do
    f=$TMP/a/plot-run.network.copies-$m.png
    head -c 8 "$f" 2>/dev/null | od -An -c | grep -q 'P   N   G' && ok || bad "$f is not a PNG"
  done
fi
ls "$TMP/a" | grep -q '\.tmp' && bad "temporary files left: $(ls "$TMP/a")" || ok

# ---- a second run skips every point
cp "$R" "$TMP/first.csv"
touch -d '2000-01-01' "$TMP"/a/points/*/summary.json
expect 0 "rerun" -- sweep "$TMP/s.yaml" --out "$TMP/a"
stderr_has "rerun" "4 already finished \(skipped\), 0 to run"
[[ -z $(find "$TMP/a/points" -name summary.json -newer "$TMP/first.csv") ]] && ok || bad "rerun retrained points"
cmp -s "$R" "$TMP/first.csv" && ok || bad "rerun changed results.csv"
# a finished point from another version of the sweep is not mixed in
sed 's/copies: \[1, 2\]/copies: [1, 3]/' "$TMP/s.yaml" >"$TMP/s2.yaml"
expect 2 "changed sweep, same --out" -- sweep "$TMP/s2.yaml" --out "$TMP/a"
stderr_has "changed sweep" "points/2/run.yaml: made from another version"

# ---- -j 2 gives the same results
expect 0 "sweep -j 2" -- sweep "$TMP/s.yaml" --out "$TMP/j2" -j 2
diff <(untimed "$R") <(untimed "$TMP/j2/results.csv") >/dev/null && ok || bad "-j 2 results differ from -j 1"

# ---- two shards with GNU parallel, then merged
if command -v parallel >/dev/null; then
  parallel --will-cite --halt now,fail=1 "$PBITSIM" sweep "$TMP/s.yaml" --out "$TMP/sh" --shard {}/2 \
    ::: 1 2 >"$TMP/out" 2>"$TMP/err" && ok || bad "parallel shards: $(head -c 300 "$TMP/err")"
  [[ $(wc -l <"$TMP/sh/results.shard-1-of-2.csv") -eq 3 && $(wc -l <"$TMP/sh/results.shard-2-of-2.csv") -eq 3 ]] &&
    ok || bad "each shard should hold 2 rows"
  [[ ! -e $TMP/sh/results.csv ]] && ok || bad "a shard wrote results.csv"
  # the documented one-liner
  (head -n 1 "$TMP/sh/results.shard-1-of-2.csv" && tail -q -n +2 "$TMP/sh"/results.shard-*-of-2.csv | sort -t, -k1,1n) >"$TMP/cat.csv"
  diff <(untimed "$R") <(untimed "$TMP/cat.csv") >/dev/null && ok || bad "concatenated shards differ from results.csv"
  expect 0 "merge" -- sweep --merge "$TMP/sh"
  cmp -s "$TMP/cat.csv" "$TMP/sh/results.csv" && ok || bad "--merge differs from the one-liner"
  diff <(untimed "$R") <(untimed "$TMP/sh/results.csv") >/dev/null && ok || bad "merged shards differ from results.csv"
  rm "$TMP/sh/results.shard-2-of-2.csv"
  expect 1 "merge with a shard missing" -- sweep --merge "$TMP/sh"
  stderr_has "merge with a shard missing" "results.shard-2-of-2.csv is missing"
  # the same through scripts/sweep-parallel.sh (2 shards here, then --merge)
  bash scripts/sweep-parallel.sh "$TMP/s.yaml" --out "$TMP/sp" --shards 2 --pbitsim "$PBITSIM" \
    >"$TMP/out" 2>"$TMP/err" && ok || bad "sweep-parallel.sh: $(tail -c 300 "$TMP/err")"
  diff <(untimed "$R") <(untimed "$TMP/sp/results.csv") >/dev/null && ok ||
    bad "sweep-parallel.sh results differ from results.csv"
else
  echo "(GNU parallel not installed: shard tests skipped)"
fi

# ---- a Slurm job array: generated, valid shell, one task per shard
bash scripts/sweep-slurm.sh "$TMP/s.yaml" --out "$TMP/sl" --shards 3 -j 2 --pbitsim "$PBITSIM" \
  >"$TMP/out" 2>"$TMP/err" && ok || bad "sweep-slurm.sh: $(head -c 300 "$TMP/err")"
grep -q '^#SBATCH --array=1-3$' "$TMP/sl/slurm/sweep.sbatch" && grep -q -- '--shard "$SLURM_ARRAY_TASK_ID/3" -j 2$' "$TMP/sl/slurm/sweep.sbatch" &&
  grep -q -- 'sweep --merge' "$TMP/sl/slurm/merge.sbatch" && bash -n "$TMP/sl/slurm/sweep.sbatch" &&
  bash -n "$TMP/sl/slurm/merge.sbatch" && ok || bad "sweep-slurm.sh scripts: $(cat "$TMP/sl/slurm/sweep.sbatch")"

# ---- bad axes: exit 2 at the sweep file's line:col, nothing created
bad_sweep() {
  local name=$1 axis=$2 where=$3
  printf 'sweep:\n  base: base.yaml\n  axes:\n    run.network.layers: [[8]]\n    %s\n' "$axis" >"$TMP/bad.yaml"
  expect 2 "$name" -- sweep "$TMP/bad.yaml" --out "$TMP/bad"
  stderr_has "$name" "^pbitsim: $TMP/bad.yaml:$where"
  [[ ! -e $TMP/bad ]] && ok || bad "$name: created $TMP/bad"
}
bad_sweep "bad axis name" "run.network.copiez: [1, 2]" "5:5: run.network.copiez: unknown key"
bad_sweep "bad axis value" "run.network.copies: [0]" "5:26: run.network.copies: .*range"
bad_sweep "bad second value" "run.network.copies: [1, 65]" "5:29: run.network.copies"
bad_sweep "not a run key path" "network.copies: [1]" "5:5: .*must start with 'run.'"
bad_sweep "unknown accel" "run.accel: [small, nosuch]" "5:24: run.accel: unknown accel"
bad_sweep "network too big for the accel" "run.accel: [tiny]" "5:17: point 0: layer 1"
bad_sweep "empty axis" "run.seed: []" "5:15: .*non-empty list"
printf 'sweep:\n  base: base.yaml\n  zip:\n    run.seed: [1, 2]\n    run.epochs: [1]\n' >"$TMP/bad.yaml"
expect 2 "zip lengths" -- sweep "$TMP/bad.yaml" --out "$TMP/bad"
stderr_has "zip lengths" "bad.yaml:5:17: .*same length"
printf 'sweep:\n  base: base.yaml\n  metrics: [test_accuracy, accuracy]\n' >"$TMP/bad.yaml"
expect 2 "unknown metric" -- sweep "$TMP/bad.yaml" --out "$TMP/bad"
stderr_has "unknown metric" "bad.yaml:3:28: .*unknown metric 'accuracy'"
printf 'sweep:\n  base: nosuch.yaml\n' >"$TMP/bad.yaml"
expect 2 "missing base" -- sweep "$TMP/bad.yaml" --out "$TMP/bad"
stderr_has "missing base" "bad.yaml:2:9: sweep.base"
[[ ! -e $TMP/bad ]] && ok || bad "bad sweeps created $TMP/bad"

# ---- a failing point: exit 1, results.partial.csv, no results.csv
printf 'sweep:\n  base: base.yaml\n  set: {run.train_limit: 4, run.test_limit: 4, run.baseline: false}\n  axes:\n    run.dataset: [fashion-mnist, mnist]\n' >"$TMP/f.yaml"
PBITSIM_MNIST_DIR=$TMP/none expect 1 "failing point" -- sweep "$TMP/f.yaml" --out "$TMP/f"
[[ ! -e $TMP/f/results.csv && -f $TMP/f/results.partial.csv ]] && ok || bad "failing point: want results.partial.csv only: $(ls "$TMP/f")"
grep -q '^1,.*failed (exit [0-9]*)$' "$TMP/f/results.partial.csv" && grep -q '^0,.*,ok$' "$TMP/f/results.partial.csv" &&
  ok || bad "failing point: status column: $(cut -c1-20,400- "$TMP/f/results.partial.csv")"

# ---- usage
expect 2 "no --out" -- sweep "$TMP/s.yaml"
expect 2 "bad shard" -- sweep "$TMP/s.yaml" --out "$TMP/x" --shard 3/2
expect 2 "bad -j" -- sweep "$TMP/s.yaml" --out "$TMP/x" -j 0
expect 0 "help" -- sweep --help
expect 0 "dry run" -- sweep "$TMP/s.yaml" --dry-run
[[ ! -e $TMP/x ]] && ok || bad "usage errors created output"

# ---- every shipped sweep checks out (every point's config and accelerator)
for f in configs/sweeps/*.yaml; do
  expect 0 "shipped $(basename "$f") dry run" -- sweep "$f" --dry-run
done

finish "pbitsim sweep"
