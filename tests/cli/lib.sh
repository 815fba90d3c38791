# shellcheck shell=bash
# Shared helpers of the command-line test scripts (tests/cli/*_test.sh),
# sourced after PBITSIM is set: a scratch directory $TMP removed on exit,
# pass/fail counters and the closing line run_suites.sh reads.
#   ok                          one check passed
#   bad <message>               one check failed (printed)
#   expect <code> <name> -- args...   runs "$PBITSIM" args; its exit code must be <code>
#                               (stdout in $TMP/out, stderr in $TMP/err)
#   stderr_has <name> <regex>   the last expect's stderr matches
#   finish <suite name>         prints "<suite>: N passed, M failed"; the status is M == 0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() {
  FAIL=$((FAIL + 1))
  echo "FAIL: $*"
}
expect() {
  local code=$1 name=$2
  shift 3
  "$PBITSIM" "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [[ $rc -eq $code ]]; then ok; else bad "$name: exit $rc, want $code ($(head -c 400 "$TMP/err"))"; fi
}
stderr_has() {
  if grep -qE -- "$2" "$TMP/err"; then ok; else bad "$1: stderr lacks '$2': $(head -c 300 "$TMP/err")"; fi
}
finish() {
  echo "$1: $PASS passed, $FAIL failed"
  [[ $FAIL -eq 0 ]]
}
