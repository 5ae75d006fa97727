#!/usr/bin/env bash
# Mixture-of-experts benchmark: prompt and generation speed and peak RSS of
# the MoE shapes (gpt-oss-20b, qwen3-30b-a3b, optionally mixtral-8x7b; random
# weights, Q4_K_M by default), ours against llama.cpp's llama-bench (its no-AMX
# and native builds) on the same GGUF files, threads, prompt and token counts;
# prints one markdown table. Writes only the synthesized files (into DIR, each
# once, kept for the next run) and temporary logs; never builds either engine,
# never changes an existing model, never run by the tests (it takes many
# minutes, tens of gigabytes of disk and llama.cpp builds outside the project).
#
#   bench/moe_bench.sh DIR [options]
#     DIR                where the models are (synthesized there when missing:
#                        SHAPE-TYPE.gguf; gpt-oss-20b about 13 GiB, qwen3-30b-a3b
#                        about 17 GiB, mixtral-8x7b about 25 GiB at Q4_K_M)
#     --llama "D1 D2"    llama.cpp bin/ directories, one row each (default
#                        "/work/llama.cpp/build-noamx/bin /work/llama.cpp/build/bin";
#                        those without llama-bench are skipped)
#     --shapes "A B"     the shapes to run (default "gpt-oss-20b qwen3-30b-a3b")
#     --type T           weight type of the synthesized files (default Q4_K_M;
#                        MXFP4_MOE once our build quantizes MXFP4)
#     -p N -n N -t N -r N  prompt tokens, generated tokens, threads, repetitions
#                        (default 128, 32, 2, 3)
#     --playground BIN   our binary (default ./build/playground)
#     --keep DIR         keep every raw output in DIR
#
# Ours: `playground bench -m FILE -p P -n N -t T -r R --json` (median after a
# warm-up). Until our engine runs MoE, its rows carry its error instead of
# figures. llama.cpp: `llama-bench -m FILE -p P -n N -t T -r R -o json` (mean),
# OMP_WAIT_POLICY=passive (LLAMA_OMP_WAIT_POLICY=active to override); when the
# native build's AMX matmul crashes on a multi-token batch (3f545becc), it is
# rerun with -ub 1 and the row says so (pp then token by token, not comparable).
# Peak RSS: /usr/bin/time's maximum resident set size of each whole run, the
# same way for both engines. Both map the file, so it counts the weight pages
# the run touched: after the warm-up and the prompt most experts have been read,
# so it approaches the file size when RAM allows; the KV cache and buffers come
# on top. Drop the page cache between runs only if you want cold-start numbers
# (this script does not).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
llama_dirs="/work/llama.cpp/build-noamx/bin /work/llama.cpp/build/bin"
shapes="gpt-oss-20b qwen3-30b-a3b"
type=Q4_K_M
n_prompt=128 n_gen=32 threads=2 reps=3
playground="$here/build/playground"
keep=""
dir=""

while [ $# -gt 0 ]; do
  case "$1" in
    --llama) llama_dirs=$2; shift 2 ;;
    --shapes) shapes=$2; shift 2 ;;
    --type) type=$2; shift 2 ;;
    -p) n_prompt=$2; shift 2 ;;
    -n) n_gen=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -r) reps=$2; shift 2 ;;
    --playground) playground=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,38p' "$0"; exit 0 ;;
    -*) echo "moe_bench.sh: unknown option $1" >&2; exit 2 ;;
    *) [ -z "$dir" ] || { echo "moe_bench.sh: one DIR only" >&2; exit 2; }; dir=$1; shift ;;
  esac
done
[ -n "$dir" ] || { echo "usage: bench/moe_bench.sh DIR [options] (--help)" >&2; exit 2; }
command -v jq >/dev/null || { echo "moe_bench.sh: needs jq" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "moe_bench.sh: needs /usr/bin/time (peak RSS)" >&2; exit 2; }
[ -x "$playground" ] || { echo "moe_bench.sh: no $playground (build the playground target)" >&2; exit 2; }
benches=()
for d in $llama_dirs; do
  if [ -x "$d/llama-bench" ]; then benches+=("$d/llama-bench"); else echo "moe_bench.sh: no llama-bench in '$d': skipped" >&2; fi
done
mkdir -p "$dir"
work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
omp=${LLAMA_OMP_WAIT_POLICY:-passive}

# The model file of a shape, synthesized once (its time and size are printed).
model_file() {  # shape
  local f="$dir/$1-$type.gguf"
  if [ ! -f "$f" ]; then
    echo "== synthesizing $f" >&2
    local t0=$SECONDS
    "$playground" synth --shape "$1" --type "$type" --threads "$threads" "$f" 2>"$work/synth.$1.log" >&2 || {
      echo "moe_bench.sh: playground synth --shape $1 failed: $(tr '\r' '\n' <"$work/synth.$1.log" | tail -1)" >&2
      return 1; }
    echo "   synthesized in $((SECONDS - t0)) s" >&2
  fi
  echo "$f"
}

first_error() {  # log
  grep -m1 -i error "$1" | sed -E 's/^[Ee]rror: //; s|^[^ ]*\.gguf: ||' | cut -c1-100
}

maxrss_mib() {  # time log
  awk '/^maxrss_kib/ {printf "%d", $2 / 1024}' "$1"
}

# Ours: "pp tg rss_mib", or "error: ...".
ours_run() {  # model name
  local json="$work/$2.ours.json" log="$work/$2.ours.log"
  if /usr/bin/time -f 'maxrss_kib %M' "$playground" bench -m "$1" -p "$n_prompt" -n "$n_gen" -t "$threads" \
       -r "$reps" --bw-mib 64 --json >"$json" 2>"$log"; then
    echo "$(jq -r '"\(.prompt.tokens_per_s.median) \(.generation.tokens_per_s.median)"' "$json") $(maxrss_mib "$log")"
  else
    echo "error: $(first_error "$log")"
  fi
}

# llama-bench: "pp tg rss_mib note", or "error: ...".
llama_run() {  # bench model tag
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
  echo "$(jq -r '"\((map(select(.n_prompt > 0))[0].avg_ts) // "nan") \((map(select(.n_gen > 0))[0].avg_ts) // "nan")"' "$json") $(maxrss_mib "$log") $note"
}

load_start=$(cut -d' ' -f1 /proc/loadavg)
rows=()
for shape in $shapes; do
  model=$(model_file "$shape")
  size=$(du -m "$model" | cut -f1)
  echo "== $shape ($size MiB): ours" >&2
  rows+=("$shape|$size|ours|$(ours_run "$model" "$shape")")
  for b in "${benches[@]}"; do
    build=$(basename "$(dirname "$(dirname "$b")")")
    echo "== $shape: llama.cpp $build" >&2
    rows+=("$shape|$size|llama.cpp $build|$(llama_run "$b" "$model" "$shape.$build")")
  done
done

echo
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "weights: random, $type (playground synth) | -p $n_prompt -n $n_gen -t $threads -r $reps"
echo "machine: $cpu, $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) | load average $load_start at start, $(cut -d' ' -f1 /proc/loadavg) at end | $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "ours: $("$playground" --version 2>/dev/null | head -1) (median)"
if [ ${#benches[@]} -gt 0 ]; then
  commit=$(cat "$work"/*.json 2>/dev/null | jq -rs 'map(.[]?.build_commit) | map(select(. != null)) | first // "?"' 2>/dev/null || echo "?")
  echo "llama.cpp: $commit, llama-bench (mean), OMP_WAIT_POLICY=$omp"
fi
echo
printf '| %-14s | %8s | %-24s | %10s | %10s | %9s | %-32s |\n' model "MiB" engine "pp$n_prompt t/s" "tg$n_gen t/s" "peak RSS" note
echo '| -------------- | -------: | ------------------------ | ---------: | ---------: | --------: | -------------------------------- |'
for row in "${rows[@]}"; do
  IFS='|' read -r m size e result <<<"$row"
  if [[ "$result" == error:* ]]; then
    printf '| %-14s | %8s | %-24s | %10s | %10s | %9s | %-32s |\n' "$m" "$size" "$e" "-" "-" "-" "${result#error: }"
  else
    read -r pp tg rss note <<<"$result"
    printf '| %-14s | %8s | %-24s | %10.2f | %10.2f | %5s MiB | %-32s |\n' "$m" "$size" "$e" "$pp" "$tg" "$rss" "${note:-}"
  fi
done
