#!/usr/bin/env bash
# Tests of sim/tools/mnist_json2idx on small generated fixtures (no network,
# no real data): output format, the seeded split, and rejection of bad input
# with the file and byte offset named.
#   usage: bash tests/cli/setup_test.sh [build/bin/mnist_json2idx]

# `cond && ok || bad` is safe here: ok and bad always return 0.
# shellcheck disable=SC2015
set -euo pipefail

TOOL=${1:-build/bin/mnist_json2idx}
[[ -x $TOOL ]] || {
  echo "setup_test: $TOOL not found (make build/bin/mnist_json2idx)" >&2
  exit 1
}
TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

PASS=0
FAIL=0
ok() {
  PASS=$((PASS + 1))
  echo "ok   $1"
}
bad() {
  FAIL=$((FAIL + 1))
  echo "FAIL $1" >&2
}

# Image k of the fixture has every pixel equal to k/255, so each output
# record says which input it came from. Digit d holds images_of(d) images.
images_of() { echo $(($1 % 3 + 1)); }

# write_digit DIR D FIRST_K: writes DIR/D.json, number style varying with D.
write_digit() {
  local dir=$1 d=$2 k=$3 n
  n=$(images_of "$d")
  awk -v d="$d" -v k0="$k" -v n="$n" 'BEGIN {
    printf "%s", (d % 2 ? "\n\t{ \"data\" :\n [" : "{\"data\":[");
    for (i = 0; i < n; i++) for (p = 0; p < 784; p++) {
      v = (k0 + i) / 255;
      if (d == 3) s = sprintf("%.6e", v);        # exponent form
      else if (k0 + i == 0) s = "0";             # bare integer
      else s = sprintf("%.6f", v);
      if (i || p) printf "%s", (p % 28 ? "," : ",\r\n  ");
      printf "%s", s;
    }
    printf "%s", (d % 2 ? " ]\n}\n" : "]}");
  }' >"$dir/$d.json"
}

make_fixture() {
  local dir=$1 d k=0
  mkdir -p "$dir"
  for d in 0 1 2 3 4 5 6 7 8 9; do
    write_digit "$dir" "$d" "$k"
    k=$((k + $(images_of "$d")))
  done
  echo "$k"
}

# bytes FILE.gz SKIP STEP: decompressed bytes after SKIP, every STEP-th, decimal.
bytes() { gzip -dc -- "$1" | tail -c +$(($2 + 1)) | od -An -tu1 -v -w"$3" | awk '{ print $1 }'; }
header() { gzip -dc -- "$1" | od -An -tx1 -v -N"$2" | tr -d ' \n'; }

FIX=$TMP/digits
TOTAL=$(make_fixture "$FIX")
label_of() { # digit of fixture image k
  local d k=$1
  for d in 0 1 2 3 4 5 6 7 8 9; do
    if ((k < $(images_of "$d"))); then echo "$d"; return; fi
    k=$((k - $(images_of "$d")))
  done
}

# ---- a good conversion
OUT=$TMP/out
if "$TOOL" --in "$FIX" --out "$OUT" --seed 7 --train 15 >"$TMP/log" 2>&1; then
  ok "converts a valid fixture ($TOTAL digits)"
else
  bad "converts a valid fixture: $(cat "$TMP/log")"
fi
TEST_N=$((TOTAL - 15))
[[ $(header "$OUT/train-images-idx3-ubyte.gz" 16) == 000008030000000f0000001c0000001c ]] &&
  ok "train images header" || bad "train images header: $(header "$OUT/train-images-idx3-ubyte.gz" 16)"
[[ $(header "$OUT/train-labels-idx1-ubyte.gz" 8) == 000008010000000f ]] &&
  ok "train labels header" || bad "train labels header"
[[ $(header "$OUT/t10k-images-idx3-ubyte.gz" 16) == $(printf '00000803%08x0000001c0000001c' $TEST_N) ]] &&
  ok "test images header" || bad "test images header"
[[ $(header "$OUT/t10k-labels-idx1-ubyte.gz" 8) == $(printf '00000801%08x' $TEST_N) ]] &&
  ok "test labels header" || bad "test labels header"
[[ $(gzip -dc "$OUT/train-images-idx3-ubyte.gz" | wc -c) -eq $((16 + 15 * 784)) &&
  $(gzip -dc "$OUT/t10k-labels-idx1-ubyte.gz" | wc -c) -eq $((8 + TEST_N)) ]] &&
  ok "file sizes" || bad "file sizes"
# every image uniform (all pixels k), and images match labels
ids=$( (bytes "$OUT/train-images-idx3-ubyte.gz" 16 784; bytes "$OUT/t10k-images-idx3-ubyte.gz" 16 784) | tr '\n' ' ')
labels=$( (bytes "$OUT/train-labels-idx1-ubyte.gz" 8 1; bytes "$OUT/t10k-labels-idx1-ubyte.gz" 8 1) | tr '\n' ' ')
uniform=$( (gzip -dc "$OUT/train-images-idx3-ubyte.gz" | tail -c +17 | od -An -tu1 -v -w784 |
  awk '{ for (i = 2; i <= NF; i++) if ($i != $1) { print "no"; exit } }') )
[[ -z $uniform ]] && ok "pixels are round(v*255)" || bad "pixels are round(v*255)"
[[ $(tr ' ' '\n' <<<"$ids" | grep -v '^$' | sort -n | tr '\n' ' ') == "$(seq -s ' ' 0 $((TOTAL - 1))) " ]] &&
  ok "each digit appears once" || bad "each digit appears once: $ids"
read -ra ida <<<"$ids"
read -ra laba <<<"$labels"
mism=0
for i in "${!ida[@]}"; do [[ $(label_of "${ida[$i]}") == "${laba[$i]}" ]] || mism=$((mism + 1)); done
[[ $mism -eq 0 ]] && ok "labels follow their images" || bad "labels follow their images ($mism wrong)"
[[ $ids != "$(seq -s ' ' 0 $((TOTAL - 1))) " ]] && ok "order is shuffled" || bad "order is shuffled"
leftover=$(find "$OUT" -name '*.tmp.*')
[[ -z $leftover ]] && ok "no temporary files left" || bad "temporary files left: $leftover"

# ---- reproducible split
"$TOOL" --in "$FIX" --out "$TMP/again" --seed 7 --train 15
"$TOOL" --in "$FIX" --out "$TMP/other" --seed 8 --train 15
same=1
for f in train-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  cmp -s <(gzip -dc "$OUT/$f") <(gzip -dc "$TMP/again/$f") || same=0
done
[[ $same -eq 1 ]] && ok "same seed, same files" || bad "same seed, same files"
cmp -s <(gzip -dc "$OUT/train-images-idx3-ubyte.gz") <(gzip -dc "$TMP/other/train-images-idx3-ubyte.gz") &&
  bad "another seed, another split" || ok "another seed, another split"

# ---- bad input: exit 2, message names file and byte offset
# expect_bad NAME JSON_OF_5 PATTERN: 5.json replaced by JSON_OF_5.
expect_bad() {
  local name=$1 json=$2 pattern=$3 dir=$TMP/bad rc=0
  rm -rf "$dir"
  cp -r "$FIX" "$dir"
  printf '%s' "$json" >"$dir/5.json"
  "$TOOL" --in "$dir" --out "$TMP/badout" >"$TMP/log" 2>&1 || rc=$?
  if [[ $rc -eq 2 ]] && grep -qE -- "^mnist_json2idx: $dir/5\.json: $pattern" "$TMP/log"; then
    ok "rejects $name"
  else
    bad "rejects $name: rc=$rc: $(cat "$TMP/log")"
  fi
}
expect_bad "a doubled comma" '{"data": [0,,1]}' "byte 12: expected a number, found ','"
expect_bad "a trailing comma" '{"data": [0,]}' "byte 12: expected a number, found ']'"
expect_bad "a value above 1" '{"data": [0, 1.5]}' "byte 13: value 1.5 outside \[0, 1\]"
expect_bad "a negative value" '{"data": [-0.25]}' "byte 10: value -0.25 outside"
expect_bad "a leading zero" '{"data": [01]}' "byte 10: malformed number \"01\""
expect_bad "a bare dot" '{"data": [0.]}' "byte 10: malformed number"
expect_bad "a bad exponent" '{"data": [1e]}' "byte 10: malformed number"
expect_bad "NaN" '{"data": [NaN]}' "byte 10: expected a number, found 'N'"
expect_bad "a string value" '{"data": ["0"]}' "byte 10: expected a number, found '\"'"
expect_bad "another key" '{"pixels": []}' "byte 2: expected the key \"data\", found 'p'"
expect_bad "a top-level array" '[0]' "byte 0: expected '\{', found '\['"
expect_bad "truncated input" '{"data": [0, 1' "byte 14: expected ',' or '\]', found end of file"
expect_bad "trailing garbage" '{"data": []} x' "byte 13: expected end of file, found 'x'"
expect_bad "a partial image" '{"data": [0, 1]}' "2 values is not a multiple of 784"
expect_bad "a huge number token" "{\"data\": [0.$(printf '%060d' 1)]}" "byte 10: number longer than"
[[ ! -e $TMP/badout/train-images-idx3-ubyte.gz ]] &&
  ok "no output after bad input" || bad "no output after bad input"

# ---- an empty digit file is fine; too large a --train is bad input
cp -r "$FIX" "$TMP/empty"
printf '{ "data" : [ ] }' >"$TMP/empty/9.json"
n9=$(images_of 9)
if "$TOOL" --in "$TMP/empty" --out "$TMP/o1" --train 0 2>"$TMP/log" &&
  [[ $(header "$TMP/o1/t10k-labels-idx1-ubyte.gz" 8) == $(printf '00000801%08x' $((TOTAL - n9))) &&
    $(header "$TMP/o1/train-images-idx3-ubyte.gz" 16) == 00000803000000000000001c0000001c ]]; then
  ok "an empty digit file, --train 0"
else
  bad "an empty digit file, --train 0: $(cat "$TMP/log")"
fi
rc=0
"$TOOL" --in "$FIX" --out "$TMP/o2" --train $((TOTAL + 1)) 2>"$TMP/log" || rc=$?
[[ $rc -eq 2 ]] && grep -q "exceeds the $TOTAL digits" "$TMP/log" &&
  ok "--train above the digit count" || bad "--train above the digit count: rc=$rc"

# ---- usage and system errors: exit 1
expect_usage() {
  local name=$1 rc=0
  shift
  "$TOOL" "$@" >/dev/null 2>"$TMP/log" || rc=$?
  [[ $rc -eq 1 && -s $TMP/log ]] && ok "$name" || bad "$name: rc=$rc"
}
expect_usage "no arguments"
expect_usage "missing --out" --in "$FIX"
expect_usage "bad --seed" --in "$FIX" --out "$TMP/o3" --seed 12x
expect_usage "negative --train" --in "$FIX" --out "$TMP/o3" --train -1
expect_usage "unknown option" --in "$FIX" --out "$TMP/o3" --shuffle
expect_usage "missing input directory" --in "$TMP/nowhere" --out "$TMP/o3"
"$TOOL" --help | grep -q '^usage: mnist_json2idx' && ok "--help" || bad "--help"

echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
