#!/usr/bin/env bash
# Runs the built fuzz targets on their corpora and prints, per target, the
# executions, coverage (cov/ft from libFuzzer's final stats), corpus size and
# crashes. Used by `make fuzz` and `make fuzz-ci`; it must never touch the
# committed seed corpora: new inputs go to a scratch corpus under the build
# directory, crashing inputs to fuzz/crashes/.
# Usage: fuzz/run_fuzz.sh BUILD_DIR SECONDS JOBS [TARGET...]
# Exit status: 1 when any target crashed (or did not run), else 0.
set -u
BUILD_DIR=$1; SECONDS_EACH=$2; JOBS=$3; shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  for f in "$HERE"/*_fuzz.cpp; do n=$(basename "$f" .cpp); TARGETS+=("${n%_fuzz}"); done
fi
# The tokenizer target needs the shared vocabularies; without ../shared it is skipped, said so.
SHARED=${PG_SHARED_DIR:-$HERE/../../shared}
if [ ! -d "$SHARED/testdata/vocab" ]; then
  echo "fuzz: $SHARED/testdata/vocab not found: tokenizer target skipped (set PG_SHARED_DIR)"
  TARGETS=($(printf '%s\n' "${TARGETS[@]}" | grep -vx tokenizer))
fi
export PG_SHARED_DIR=$SHARED
CRASHES="$HERE/crashes"; LOGS="$BUILD_DIR/logs"; mkdir -p "$CRASHES" "$LOGS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1 bin="$BUILD_DIR/${1}_fuzz" work="$BUILD_DIR/corpus/$1" dict=()
  mkdir -p "$work" "$CRASHES/$t"
  [ -f "$HERE/dict/$t.dict" ] && dict=(-dict="$HERE/dict/$t.dict")
  # -timeout: one input over 10 s is a hang (a finding); -rss_limit_mb: over 2 GB is one too.
  "$bin" "$work" "$HERE/corpus/$t" "${dict[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$CRASHES/$t/" \
    >"$LOGS/$t.log" 2>&1
  echo $? >"$LOGS/$t.rc"
}

export -f run_one; export BUILD_DIR SECONDS_EACH HERE CRASHES LOGS
printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} nice -n 10 bash -c 'run_one {}'

fail=0; notes=""
printf '%-14s %8s %12s %9s %7s %7s %8s %s\n' target seconds executions exec/s cov ft corpus crashes
for t in "${TARGETS[@]}"; do
  log="$LOGS/$t.log"; rc=$(cat "$LOGS/$t.rc" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^stat::.*//; s/.*Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  last=$(grep -a -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last"); ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  crashes=$(find "$CRASHES/$t" -type f 2>/dev/null | wc -l)
  [ -z "$secs" ] && secs=$SECONDS_EACH
  eps=$(( ${runs:-0} / (secs > 0 ? secs : 1) ))
  printf '%-14s %8s %12s %9s %7s %7s %8s %s\n' "$t" "$secs" "${runs:-?}" "$eps" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes"
  if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
    fail=1
    notes+="$t: exit $rc; log $log; crashing inputs in $CRASHES/$t/"$'\n'
    notes+=$(grep -a -m3 -E 'ERROR:|SUMMARY:|runtime error|uncaught|terminate' "$log" | sed 's/^/    /')$'\n'
  fi
done
[ -n "$notes" ] && printf 'FUZZ FAILURES\n%s' "$notes"
exit $fail
