# Shared pieces of the side-by-side benchmark scripts (arch_bench.sh,
# moe_bench.sh): the options they have in common, the synthesized model file of
# a shape, our `playground bench` run and llama.cpp's `llama-bench` run, each
# reduced to one line of figures. Sourced, never run; it defines functions and
# the defaults of the common options and does nothing else (no files written,
# nothing built). The scripts keep their own usage text, tables and extras.
#
# Before sourcing, set `bench_name` (used in messages). After parsing, call
# bench_setup once; it sets `work` (the raw-output folder) and `omp`.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
type=Q4_K_M
n_prompt=128 n_gen=32 threads=2 reps=3
playground="$here/build/playground"
keep=""
dir=""

# Reads one option shared by the scripts at "$@" and sets bench_shift to the
# words it used (0 when "$1" is not one of them).
bench_common_option() {
  bench_shift=2
  case "$1" in
    --shapes|--type|-p|-n|-t|-r|--playground|--keep)
      [ $# -ge 2 ] || { echo "$bench_name: $1 needs a value" >&2; exit 2; } ;;
  esac
  case "$1" in
    --shapes) shapes=$2 ;;
    --type) type=$2 ;;
    -p) n_prompt=$2 ;;
    -n) n_gen=$2 ;;
    -t) threads=$2 ;;
    -r) reps=$2 ;;
    --playground) playground=$2 ;;
    --keep) keep=$2 ;;
    -*) bench_shift=0 ;;
    *) [ -z "$dir" ] || { echo "$bench_name: one DIR only" >&2; exit 2; }; dir=$1; bench_shift=1 ;;
  esac
}

# Checks what every run needs and makes the folders.
bench_setup() {
  [ -n "$dir" ] || { echo "usage: bench/$bench_name DIR [options] (--help)" >&2; exit 2; }
  command -v jq >/dev/null || { echo "$bench_name: needs jq" >&2; exit 2; }
  [ -x /usr/bin/time ] || { echo "$bench_name: needs /usr/bin/time (peak RSS)" >&2; exit 2; }
  [ -x "$playground" ] || { echo "$bench_name: no $playground (build the playground target)" >&2; exit 2; }
  mkdir -p "$dir"
  work=${keep:-$(mktemp -d)}
  mkdir -p "$work"
  [ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
  omp=${LLAMA_OMP_WAIT_POLICY:-passive}
}

# The model file of a shape in DIR, synthesized once (its time is printed).
bench_model_file() {  # shape
  local f="$dir/$1-$type.gguf"
  if [ ! -f "$f" ]; then
    echo "== synthesizing $f" >&2
    local t0=$SECONDS
    "$playground" synth --shape "$1" --type "$type" --threads "$threads" "$f" 2>"$work/synth.$1.log" >&2 || {
      echo "$bench_name: playground synth --shape $1 failed: $(tr '\r' '\n' <"$work/synth.$1.log" | tail -1)" >&2
      return 1; }
    echo "   synthesized in $((SECONDS - t0)) s" >&2
  fi
  echo "$f"
}

# The first error line of a log, without "error:" and the model's path.
bench_first_error() {  # log
  grep -m1 -i error "$1" | sed -E 's/^[Ee]rror: //; s|^[^ ]*\.gguf: ||' | cut -c1-100
}

# Peak RSS in MiB from a /usr/bin/time -f 'maxrss_kib %M' log.
bench_maxrss_mib() {  # log
  awk '/^maxrss_kib/ {printf "%d", $2 / 1024}' "$1"
}

# Ours: "pp tg rss_mib" (medians after a warm-up; peak RSS of the whole run),
# or "error: ...". The bandwidth buffer is kept small (64 MiB) so it does not
# count in the peak RSS.
bench_ours_run() {  # model tag
  local json="$work/$2.ours.json" log="$work/$2.ours.log"
  if /usr/bin/time -f 'maxrss_kib %M' "$playground" bench -m "$1" -p "$n_prompt" -n "$n_gen" -t "$threads" \
       -r "$reps" --bw-mib 64 --json >"$json" 2>"$log"; then
    echo "$(jq -r '"\(.prompt.tokens_per_s.median) \(.generation.tokens_per_s.median)"' "$json") $(bench_maxrss_mib "$log")"
  else
    echo "error: $(bench_first_error "$log")"
  fi
}

# llama-bench: "pp tg rss_mib note" (means; peak RSS of the whole run), or
# "error: ...". When its AMX matmul crashes on a multi-token batch (3f545becc
# on the project's Xeon) it is rerun with -ub 1 and the note says so.
bench_llama_run() {  # llama-bench model tag
  local json="$work/$3.json" log="$work/$3.log" note="" rc=0
  OMP_WAIT_POLICY=$omp /usr/bin/time -f 'maxrss_kib %M' "$1" -m "$2" -p "$n_prompt" -n "$n_gen" -t "$threads" \
    -r "$reps" -o json >"$json" 2>"$log" || rc=$?
  if [ $rc -eq 139 ] || [ $rc -eq 134 ] || grep -q 'Command terminated by signal' "$log"; then
    echo "   llama-bench crashed (the AMX multi-token bug?): rerun with -ub 1" >&2
    note="pp with -ub 1 (AMX crash)" rc=0
    OMP_WAIT_POLICY=$omp /usr/bin/time -f 'maxrss_kib %M' "$1" -m "$2" -p "$n_prompt" -n "$n_gen" -t "$threads" \
      -r "$reps" -ub 1 -o json >"$json" 2>"$log" || rc=$?
  fi
  if [ $rc -ne 0 ]; then
    echo "error: llama-bench rc $rc: $(grep -m1 -iE 'error|failed' "$log" | cut -c1-80)"
    return
  fi
  echo "$(jq -r '"\((map(select(.n_prompt > 0))[0].avg_ts) // "nan") \((map(select(.n_gen > 0))[0].avg_ts) // "nan")"' "$json") $(bench_maxrss_mib "$log") $note"
}

# The build commit llama-bench recorded in the JSON files of this run ("?" if none).
bench_llama_commit() {
  cat "$work"/*.json 2>/dev/null | jq -rs '[.[] | arrays | .[] | objects | .build_commit // empty] | first // "?"' 2>/dev/null ||
    echo "?"
}
