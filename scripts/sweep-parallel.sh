#!/usr/bin/env bash
# A sweep split into shards run by GNU parallel, on this machine or on
# several (--sshlogin), then merged into <out>/results.csv (docs/energy.md,
# "Sweeps beyond one machine").
#
#   scripts/sweep-parallel.sh <sweep.yaml> --out DIR [--shards N] [-j J]
#       [--sshlogin LOGINS] [--pbitsim PATH] [--dry-run]
#
# Runs `pbitsim sweep <sweep.yaml> --out DIR --shard i/N -j J` for i = 1..N,
# all at once on this machine, or one at a time per host with --sshlogin
# (each shard already trains J points at once; "2/host" gives a host two), then
# `pbitsim sweep --merge DIR`. --shards defaults to the number of hosts
# (1 without --sshlogin). --sshlogin takes GNU parallel's syntax
# ("4/user@host1,host2,:" - ":" is this machine). Remote hosts need the same
# checkout at the same absolute path and DIR on a shared file system (NFS):
# every shard writes DIR/points/<k>/ for its own points and its own
# DIR/results.shard-i-of-N.csv, so they never write the same file. Re-running
# resumes: finished points are skipped. --dry-run prints the commands.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PBITSIM=$ROOT/build/bin/pbitsim
SWEEP=
OUT=
SHARDS=
JOBS=1
LOGINS=
DRY=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --shards) SHARDS=$2; shift 2 ;;
    -j | --jobs) JOBS=$2; shift 2 ;;
    --sshlogin) LOGINS=$2; shift 2 ;;
    --pbitsim) PBITSIM=$2; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) echo "sweep-parallel: unknown option '$1'" >&2; exit 2 ;;
    *) [[ -z $SWEEP ]] || { echo "sweep-parallel: one sweep file only" >&2; exit 2; }
       SWEEP=$1; shift ;;
  esac
done
[[ -n $SWEEP && -n $OUT ]] || { echo "usage: $0 <sweep.yaml> --out DIR [--shards N] [-j J] [--sshlogin LOGINS]" >&2; exit 2; }
command -v parallel >/dev/null || { echo "sweep-parallel: GNU parallel is not installed (apt-get install parallel)" >&2; exit 2; }
[[ -x $PBITSIM ]] || { echo "sweep-parallel: no $PBITSIM (make)" >&2; exit 2; }
if [[ -z $SHARDS ]]; then
  SHARDS=1
  [[ -n $LOGINS ]] && SHARDS=$(tr ',' '\n' <<<"$LOGINS" | grep -c .)
fi
[[ $SHARDS =~ ^[1-9][0-9]*$ ]] || { echo "sweep-parallel: bad --shards '$SHARDS'" >&2; exit 2; }
# Absolute paths: remote shells start in the home directory.
SWEEP=$(cd "$(dirname "$SWEEP")" && pwd)/$(basename "$SWEEP")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PBITSIM=$(cd "$(dirname "$PBITSIM")" && pwd)/$(basename "$PBITSIM")

# Check every point here first: a bad sweep fails once, not once per shard.
"$PBITSIM" sweep "$SWEEP" --dry-run >/dev/null

# Here: every shard at once. Remote: one shard per host at a time, unless
# the login says otherwise ("2/host").
args=(--will-cite --line-buffer --tagstring 'shard {}/'"$SHARDS" --jobs "$SHARDS")
[[ -n $LOGINS ]] && args=(--will-cite --line-buffer --tagstring 'shard {}/'"$SHARDS" --jobs 1 --sshlogin "$LOGINS")
cmd="cd $(printf '%q' "$ROOT") && $(printf '%q' "$PBITSIM") sweep $(printf '%q' "$SWEEP") --out $(printf '%q' "$OUT") --shard {}/$SHARDS -j $JOBS"
if [[ $DRY -eq 1 ]]; then
  printf 'parallel'; printf ' %q' "${args[@]}"; printf ' %q ::: %s\n' "$cmd" "$(seq -s ' ' 1 "$SHARDS")"
  echo "$PBITSIM sweep --merge $OUT"
  exit 0
fi
status=0
parallel "${args[@]}" "$cmd" ::: $(seq 1 "$SHARDS") || status=$?
if [[ $status -ne 0 ]]; then
  echo "sweep-parallel: $status shard(s) failed: see $OUT/results.shard-*.partial.csv and points/*/train.log;" \
    "re-run the same command to retry the failed points" >&2
  exit 1
fi
"$PBITSIM" sweep --merge "$OUT"
