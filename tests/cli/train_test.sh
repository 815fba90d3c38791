#!/usr/bin/env bash
# pbitsim train (shared/spec/cli.md, docs/firmware.md) on the co-simulation
# slice configs/cosim-small.yaml:
#  - model, rtl and systemc give bit-identical weights (checkpoint.bin), the
#    same energy ledger and the same summary.json apart from timing fields;
#  - so do model and rtl on 200 examples of the default 784-500-500 network,
#    and on the slice with P = 4 stochastic pixel planes;
#  - summary.json has the contract's fields and its breakdown adds up;
#  - --trace writes a VCD (rtl) and nothing is written without it;
#  - checkpoints: an interrupted (--stop-after) and resumed run equals the
#    uninterrupted one bit for bit on model (checkpoint.bin, energy.csv,
#    curve.csv and summary.json apart from timing); without the simulator
#    state (rtl-style or format-1 checkpoints) a resume is weights-only and
#    differs; another network, device or backend, truncated and damaged
#    files are refused with the file named and nothing written;
#  - bad data and bad options exit 2 with the file named, leaving nothing.
# Needs Fashion-MNIST (scripts/setup.sh installs it): skipped without it.
# Usage: tests/cli/train_test.sh <path to pbitsim> (from the repo root)
set -u
PBITSIM=${1:?usage: train_test.sh <pbitsim>}
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FMNIST=${PBITSIM_FASHION_DIR:-/usr/share/datasets/fashion-mnist}
if [[ ! -f $FMNIST/train-images-idx3-ubyte.gz && ! -f $FMNIST/train-images-idx3-ubyte ]]; then
  echo "SKIPPED: Fashion-MNIST not found in $FMNIST (run scripts/setup.sh or make deps)"
  echo "pbitsim train: 0 passed, 0 failed (skipped: no data set)"
  exit 0
fi
CFG=configs/cosim-small.yaml
PY=/usr/bin/python3

# Checkpoint surgery (format 2: magic, then sections tag/version/length/
# FNV-1a/payload up to "END "): strip-sim drops the simulator state (what
# an rtl or systemc run writes), to-v1 rewrites it in format 1.
ckpt() {
  $PY - "$@" <<'EOF'
import struct, sys
op, src, dst = sys.argv[1:4]
b = open(src, "rb").read()
assert b[:8] == b"PBSFFCK2", "not format 2"
pos, secs, order = 8, {}, []
while True:
    tag, ver, n, h = struct.unpack_from("<4sIQQ", b, pos)
    secs[tag] = b[pos:pos + 24 + n]
    order.append(tag)
    pos += 24 + n
    if tag == b"END ":
        break
if op == "strip-sim":
    out = b[:8] + b"".join(secs[t] for t in order if t != b"SIM ")
else:  # to-v1: head (80 bytes), config text length + text, weights, readout
    payload = lambda t: secs[t][24:] if t in secs else b""
    text = payload(b"CONF")
    out = (b"PBSFFCK1" + payload(b"HEAD")[:80] + struct.pack("<Q", len(text)) + text +
           payload(b"WGTS") + payload(b"RDOT"))
open(dst, "wb").write(out)
EOF
}
# summary.json of two runs: equal apart from timing and how they were run
same_summary() {
  $PY - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
skip = {"train_seconds", "eval_seconds", "samples_per_second", "resumed", "exact_resume"}
diff = [k for k in set(a) | set(b) if k not in skip and a.get(k) != b.get(k)]
if diff:
    print("differ:", {k: (a.get(k), b.get(k)) for k in diff})
    sys.exit(1)
EOF
}

# ---- three backends, one result
for be in model rtl systemc; do
  expect 0 "train $be" -- train --config "$CFG" --backend "$be" --out "$TMP/$be" --quiet
done
# On systemc the firmware runs as an SC_THREAD of the SystemC top.
grep -q "SC_THREAD" "$TMP/out" && ok || bad "systemc: the firmware did not run as an SC_THREAD"
# The model's checkpoint also holds the simulator state, which the
# Verilator backends cannot save: without it, the files are identical.
ckpt strip-sim "$TMP/model/checkpoint.bin" "$TMP/model-nosim.bin"
for be in rtl systemc; do
  cmp -s "$TMP/model-nosim.bin" "$TMP/$be/checkpoint.bin" && ok ||
    bad "$be: checkpoint.bin (weights, firmware state) differs from model's"
  cmp -s "$TMP/model/energy.csv" "$TMP/$be/energy.csv" && ok ||
    bad "$be: energy.csv differs from model"
  # curve.csv without its seconds column
  diff <(cut -d, -f1,2,4- "$TMP/model/curve.csv") <(cut -d, -f1,2,4- "$TMP/$be/curve.csv") >/dev/null &&
    ok || bad "$be: curve.csv differs from model"
  $PY - "$TMP/model/summary.json" "$TMP/$be/summary.json" <<'EOF' && ok || bad "$be: summary.json differs from model (non-timing fields)"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
timing = {"train_seconds", "eval_seconds", "samples_per_second", "backend"}
diff = [k for k in set(a) | set(b) if k not in timing and a.get(k) != b.get(k)]
if diff:
    print("differ:", diff)
    sys.exit(1)
EOF
done

# model_equals_rtl <tag> <what> <config> [train options]: model and rtl train
# the config into $TMP/<tag>_{model,rtl}; same weights (the model's
# checkpoint without its simulator state) and the same energy ledger
model_equals_rtl() {
  local tag=$1 what=$2 cfg=$3 be
  shift 3
  for be in model rtl; do
    expect 0 "$what $be" -- train --config "$cfg" --backend "$be" --out "$TMP/${tag}_$be" --quiet "$@"
  done
  ckpt strip-sim "$TMP/${tag}_model/checkpoint.bin" "$TMP/${tag}_model-nosim.bin"
  cmp -s "$TMP/${tag}_model-nosim.bin" "$TMP/${tag}_rtl/checkpoint.bin" && ok ||
    bad "$what: rtl weights differ from model"
  cmp -s "$TMP/${tag}_model/energy.csv" "$TMP/${tag}_rtl/energy.csv" && ok ||
    bad "$what: rtl energy ledger differs from model"
}

# ---- the default network (784-500-500, K = 4) on a 200-example slice:
# the verilated RTL reproduces the model's weights bit for bit
model_equals_rtl d "default slice" configs/default.yaml --train-limit 200 --test-limit 20

# ---- P = 4 pixel planes (layer 1 presents 4 vectors with a larger DAC
# shift than layer 2): still bit for bit
sed 's/^    negatives: hard/    negatives: hard\n    binarize: stochastic\n    pixel_samples: 4/' \
  "$CFG" >"$TMP/p4.yaml"
grep -q "pixel_samples: 4" "$TMP/p4.yaml" && ok || bad "p4.yaml: the sed did not apply"
model_equals_rtl p4 "pixel planes" "$TMP/p4.yaml"
cmp -s "$TMP/p4_model-nosim.bin" "$TMP/model-nosim.bin" && bad "pixel planes: same weights as P = 1" || ok

# ---- the image sum kept in the saved accumulator bank (FORWARD with SAVE,
# then RESTORE per label pass): model and RTL agree bit for bit, weights and
# energy ledger, and layer 1 reads fewer weight words than without it
sed 's/^    pixel_samples: 4/    pixel_samples: 4\n    reuse_image_sum: true/' "$TMP/p4.yaml" >"$TMP/p4r.yaml"
grep -q "reuse_image_sum: true" "$TMP/p4r.yaml" && ok || bad "p4r.yaml: the sed did not apply"
model_equals_rtl p4r "reused image sum" "$TMP/p4r.yaml"
python3 - "$TMP/p4_model/summary.json" "$TMP/p4r_model/summary.json" <<'EOF' && ok ||
import json, sys
plain, reuse = (json.load(open(p)) for p in sys.argv[1:])
key = "energy_per_update_pj"
print(f"energy per update: {plain[key]:.0f} pJ plain, {reuse[key]:.0f} pJ with the image sum reused")
sys.exit(0 if reuse[key] < 0.9 * plain[key] else 1)
EOF
  bad "reused image sum: the energy per update did not drop by 10 %"

# ---- the contract's fields; the breakdown adds up to the total
$PY - "$TMP/model/summary.json" <<'EOF' && ok || bad "summary.json fields"
import json, math, sys
s = json.load(open(sys.argv[1]))
need = ["algorithm", "dataset", "backend", "epochs", "test_accuracy", "train_seconds",
        "samples_per_second", "energy_per_update_pj", "energy_breakdown_pj",
        "baseline_energy_per_update_pj", "energy_ratio"]
missing = [k for k in need if k not in s]
assert not missing, missing
assert s["algorithm"] == "bsff" and s["dataset"] == "fashion-mnist", s
assert 0 <= s["test_accuracy"] <= 1
assert s["test_examples"] == 32 and s["train_examples"] == 48
total = s["energy_per_update_pj"]
parts = sum(s["energy_breakdown_pj"].values())
assert total > 0 and abs(parts - total) <= 1e-5 * len(s["energy_breakdown_pj"]) + 1e-9 * total, (parts, total)
phases = sum(s["energy_by_phase_pj"].values())
assert abs(phases - total) <= 1e-5 * len(s["energy_by_phase_pj"]) + 1e-9 * total, (phases, total)
assert math.isclose(s["energy_ratio"], s["baseline_energy_per_update_pj"] / total, rel_tol=1e-5)
EOF
[[ -s $TMP/model/curve.csv && $(wc -l <"$TMP/model/curve.csv") -eq 2 ]] && ok || bad "curve.csv rows"
if command -v gnuplot >/dev/null; then
  head -c 8 "$TMP/model/curve.png" | od -An -c | grep -q 'P   N   G' && ok || bad "curve.png is not a PNG"
fi
# energy.csv rows add up to the summary's total (pJ per update x examples)
$PY - "$TMP/model/energy.csv" "$TMP/model/summary.json" <<'EOF' && ok || bad "energy.csv total"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
s = json.load(open(sys.argv[2]))
tot = sum(float(r["pj_total"]) for r in rows)
per = tot / s["train_examples"]
assert abs(per - s["energy_per_update_pj"]) <= 1e-6 * per + 1e-3, (per, s["energy_per_update_pj"])
EOF
ls "$TMP/model" | grep -qE '\.vcd|\.fst|\.tmp' && bad "files left besides the outputs: $(ls "$TMP/model")" || ok

# ---- waveforms
expect 0 "trace rtl" -- train --config "$CFG" --backend rtl --train-limit 4 --test-limit 2 \
  --out "$TMP/tr" --trace "$TMP/tr/wave.vcd" --quiet
if [[ -s $TMP/tr/wave.vcd ]] && grep -q '\$enddefinitions' "$TMP/tr/wave.vcd" &&
  grep -q '\$timescale' "$TMP/tr/wave.vcd"; then ok; else bad "trace: no valid VCD header"; fi
expect 2 "trace on model" -- train --config "$CFG" --backend model --out "$TMP/tm" \
  --trace "$TMP/tm/w.vcd" --quiet
stderr_has "trace on model" "waveforms"

# ---- resume: interrupted after epoch 1 of 2, then resumed = uninterrupted
RES=(train --config "$CFG" --epochs 2 --quiet)
expect 0 "uninterrupted" -- "${RES[@]}" --out "$TMP/A"
expect 0 "interrupted" -- "${RES[@]}" --stop-after 1 --out "$TMP/B"
stderr_has "interrupted" "stopped after epoch 1 of 2"
[[ $(ls "$TMP/B") == checkpoint.bin ]] && ok || bad "--stop-after wrote more than the checkpoint: $(ls "$TMP/B")"
expect 0 "resumed" -- "${RES[@]}" --resume "$TMP/B/checkpoint.bin" --out "$TMP/B2"
cmp -s "$TMP/A/checkpoint.bin" "$TMP/B2/checkpoint.bin" && ok ||
  bad "resume: checkpoint.bin differs from the uninterrupted run's"
cmp -s "$TMP/A/energy.csv" "$TMP/B2/energy.csv" && ok || bad "resume: energy.csv differs"
same_summary "$TMP/A/summary.json" "$TMP/B2/summary.json" && ok || bad "resume: summary.json differs"
diff <(cut -d, -f1,2,4- "$TMP/A/curve.csv") <(cut -d, -f1,2,4- "$TMP/B2/curve.csv") >/dev/null &&
  ok || bad "resume: curve.csv differs: $(cat "$TMP/B2/curve.csv")"
grep -q '"resumed": true' "$TMP/B2/summary.json" && grep -q '"exact_resume": true' "$TMP/B2/summary.json" &&
  ok || bad "resume: summary.json should say resumed, exact"
# Without the simulator state (as rtl and systemc write it) or in format 1:
# weights-only, said so, and the result differs (this is what the state is for).
ckpt strip-sim "$TMP/B/checkpoint.bin" "$TMP/nosim.bin"
ckpt to-v1 "$TMP/B/checkpoint.bin" "$TMP/v1.bin"
for f in nosim v1; do
  expect 0 "resume $f" -- "${RES[@]}" --resume "$TMP/$f.bin" --out "$TMP/R_$f"
  stderr_has "resume $f" "weights-only resume"
  grep -q '"exact_resume": false' "$TMP/R_$f/summary.json" && ok || bad "resume $f: exact_resume should be false"
  cmp -s "$TMP/A/checkpoint.bin" "$TMP/R_$f/checkpoint.bin" && bad "resume $f: identical without the state?" || ok
done
# Extending a finished run continues its state, but is not an interrupted
# run's continuation (another schedule): exact_resume false.
expect 0 "resume extends" -- train --config "$CFG" --epochs 2 --resume "$TMP/model/checkpoint.bin" \
  --out "$TMP/res" --quiet
[[ $(cut -d, -f1 "$TMP/res/curve.csv" | tr '\n' ' ') == "epoch 1 2 " ]] && ok ||
  bad "resume extends: curve should hold epochs 1 and 2: $(cat "$TMP/res/curve.csv")"
grep -q '"exact_resume": false' "$TMP/res/summary.json" && ok || bad "resume extends: exact_resume"
# Refusals: exit 2, the checkpoint named, nothing written.
sed 's/layers: \[32, 32\]/layers: [32, 16]/' "$CFG" >"$TMP/other.yaml"
sed 's/device: smtj-slow/device: smtj-fast/' "$CFG" >"$TMP/otherdev.yaml"
head -c 100000 "$TMP/B/checkpoint.bin" >"$TMP/trunc.bin"
cp "$TMP/B/checkpoint.bin" "$TMP/flip.bin"
printf '\x55' | dd of="$TMP/flip.bin" bs=1 seek=3000000 conv=notrunc status=none
for c in "other network|$TMP/other.yaml|$TMP/B/checkpoint.bin|network.layers" \
  "other device|$TMP/otherdev.yaml|$TMP/B/checkpoint.bin|device 'smtj-slow'" \
  "other backend|$CFG --backend rtl|$TMP/B/checkpoint.bin|model backend, this run uses rtl" \
  "truncated|$CFG|$TMP/trunc.bin|truncated checkpoint" \
  "damaged|$CFG|$TMP/flip.bin|fails its checksum"; do
  IFS='|' read -r name cfg file msg <<<"$c"
  # shellcheck disable=SC2086  # cfg may carry --backend
  expect 2 "resume $name" -- train --config $cfg --epochs 2 --resume "$file" --out "$TMP/refused" --quiet
  stderr_has "resume $name" "$msg"
  stderr_has "resume $name" "$(basename "$file")"
  [[ ! -e $TMP/refused ]] && ok || bad "refused resume ($name) left outputs: $(ls "$TMP/refused")"
done
expect 2 "stop-after 0" -- train --config "$CFG" --stop-after 0

# ---- bad data, bad options
mkdir -p "$TMP/fm"
cp "$FMNIST"/t10k-* "$TMP/fm/" 2>/dev/null
head -c 5000 "$FMNIST/train-images-idx3-ubyte.gz" >"$TMP/fm/train-images-idx3-ubyte.gz"
cp "$FMNIST/train-labels-idx1-ubyte.gz" "$TMP/fm/"
PBITSIM_FASHION_DIR=$TMP/fm "$PBITSIM" train --config "$CFG" --out "$TMP/bd" --quiet >"$TMP/out" 2>"$TMP/err"
[[ $? -eq 2 ]] && ok || bad "truncated data: exit code"
stderr_has "truncated data" "train-images-idx3-ubyte"
[[ ! -e $TMP/bd ]] && ok || bad "truncated data left outputs: $(ls "$TMP/bd")"
expect 2 "unknown option" -- train --config "$CFG" --bogus 1
expect 2 "missing config" -- train --out "$TMP/x"
expect 2 "bad backend" -- train --config "$CFG" --backend fpga
expect 0 "help" -- train --help

finish "pbitsim train"
