#!/usr/bin/env bash
# Architecture benchmark: prompt and generation speed of the newer decoder
# families (qwen3-0.6b, gemma3-1b, phi3-mini shapes, random weights, Q4_K_M),
# ours against llama.cpp on the same GGUF files, threads, prompt and token
# counts; prints one markdown table, and with --ctx the peak RSS of gemma3-1b
# at that context in both engines. Writes only the synthesized files (into
# DIR, each once, kept for the next run) and temporary logs; never builds
# either engine, never changes an existing model, never run by the tests (it
# takes minutes, gigabytes of disk and a llama.cpp build outside the project).
#
#   bench/arch_bench.sh DIR [options]
#     DIR                where the models are (synthesized there when missing:
#                        qwen3-0.6b-Q4_K_M.gguf, gemma3-1b-Q4_K_M.gguf,
#                        phi3-mini-Q4_K_M.gguf; about 0.4, 0.8 and 2.2 GiB)
#     --llama DIR        llama.cpp's bin/ directory (or $LLAMA_CPP_BIN; default
#                        /work/llama.cpp/build/bin); it needs llama-bench, and
#                        llama-completion for --ctx. Without one, only our rows.
#     --shapes "A B"     the shapes to run (default "qwen3-0.6b gemma3-1b phi3-mini")
#     --type T           weight type of the synthesized files (default Q4_K_M)
#     -p N -n N -t N -r N  prompt tokens, generated tokens, threads, repetitions
#                        (default 128, 32, 2, 3)
#     --ctx N            also measure gemma3-1b's peak RSS with an N-token
#                        context (e.g. 32768) in both engines
#     --playground BIN   our binary (default ./build/playground)
#     --keep DIR         keep every raw output in DIR
#
# Ours: `playground bench -m FILE -p P -n N -t T -r R --json` (median after a
# warm-up; pp = one batch of P tokens). An architecture our engine cannot load
# yet gets a row with its error instead of figures. llama.cpp: `llama-bench -m
# FILE -p P -n N -t T -r R -o json` (mean), with OMP_WAIT_POLICY=passive
# (override with LLAMA_OMP_WAIT_POLICY=active; spinning OpenMP threads stall
# each other on a loaded 2-core machine). At 3f545becc its AMX matmul crashes
# (SIGSEGV in ggml_backend_amx_mul_mat) on any multi-token batch on the
# project's Xeon; when llama-bench dies so, it is rerun with -ub 1 (one token
# per pass: pp is then token by token, not comparable with ours, and the row
# says "ub 1").
#
# The table's peak RSS: /usr/bin/time's maximum resident set size of each whole
# run, the same way for both engines (bench/side_by_side.sh holds the runs and
# the options this script shares with moe_bench.sh).
#
# Peak RSS (--ctx N): ours is `playground bench ... --ctx N --json`'s
# memory.peak_rss_bytes (VmHWM, taken before its bandwidth buffer exists), with
# the KV cache it allocated; llama.cpp's is /usr/bin/time's maximum resident
# set size of `llama-completion -c N -n 8 -b 1 -ub 1` (its default KV cache:
# window-sized for the sliding-window layers; llama-bench cannot set a context).
set -euo pipefail

bench_name=arch_bench.sh
source "$(dirname "$0")/side_by_side.sh"
llama_bin=${LLAMA_CPP_BIN:-/work/llama.cpp/build/bin}
shapes="qwen3-0.6b gemma3-1b phi3-mini"
ctx=""

while [ $# -gt 0 ]; do
  bench_common_option "$@"
  if [ "$bench_shift" -gt 0 ]; then shift "$bench_shift"; continue; fi
  case "$1" in
    --llama|--ctx) [ $# -ge 2 ] || { echo "$bench_name: $1 needs a value" >&2; exit 2; } ;;&
    --llama) llama_bin=$2; shift 2 ;;
    --ctx) ctx=$2; shift 2 ;;
    -h|--help) sed -n '2,46p' "$0"; exit 0 ;;
    *) echo "$bench_name: unknown option $1" >&2; exit 2 ;;
  esac
done
bench_setup
llama_bench="" llama_completion=""
if [ -n "$llama_bin" ] && [ -x "$llama_bin/llama-bench" ]; then
  llama_bench="$llama_bin/llama-bench"
  [ -x "$llama_bin/llama-completion" ] && llama_completion="$llama_bin/llama-completion"
else
  echo "$bench_name: no llama-bench in '$llama_bin': only our rows" >&2
fi

load_start=$(cut -d' ' -f1 /proc/loadavg)
rows=()
for shape in $shapes; do
  model=$(bench_model_file "$shape")
  size=$(du -m "$model" | cut -f1)
  echo "== $shape ($size MiB): ours" >&2
  rows+=("$shape|ours|$(bench_ours_run "$model" "$shape")")
  if [ -n "$llama_bench" ]; then
    echo "== $shape: llama.cpp" >&2
    rows+=("$shape|llama.cpp|$(bench_llama_run "$llama_bench" "$model" "$shape.llama")")
  fi
done

rss_rows=()
if [ -n "$ctx" ]; then
  model=$(bench_model_file gemma3-1b)
  echo "== gemma3-1b peak RSS at context $ctx: ours" >&2
  json="$work/rss.ours.json"
  if "$playground" bench -m "$model" -p 16 -n 8 -t "$threads" -r 1 --ctx "$ctx" --bw-mib 64 --json \
       >"$json" 2>"$work/rss.ours.log"; then
    rss_rows+=("ours|$(jq -r '"\(.memory.peak_rss_bytes / 1048576 | floor) MiB|KV cache \(.memory.kv_cache_bytes / 1048576 | floor) MiB (playground bench --ctx)"' "$json")")
  else
    rss_rows+=("ours|-|$(bench_first_error "$work/rss.ours.log")")
  fi
  if [ -n "$llama_completion" ]; then
    echo "== gemma3-1b peak RSS at context $ctx: llama.cpp" >&2
    log="$work/rss.llama.log"
    # -v for the KV cache sizes it logs ("llama_kv_cache: size = 128.00 MiB ( 32768 cells, 4 layers, ...").
    if OMP_WAIT_POLICY=$omp /usr/bin/time -f 'maxrss_kib %M' "$llama_completion" -m "$model" -c "$ctx" -n 8 \
         -p "Once upon a time" -t "$threads" -b 1 -ub 1 -no-cnv --no-display-prompt --ignore-eos -v </dev/null \
         >"$work/rss.llama.out" 2>"$log"; then
      kib=$(awk '/^maxrss_kib/ {print $2}' "$log")
      # Each cache is logged twice (a fitting pass, then the context): the distinct ones, joined.
      kv=$(grep -oE 'llama_kv_cache: size = +[0-9.]+ MiB \( *[0-9]+ cells, +[0-9]+ layers' "$log" | awk '!seen[$0]++' |
        sed -E 's/.*size = +([0-9.]+ MiB) \( *([0-9]+ cells), +([0-9]+ layers)/\1 (\2, \3)/' | paste -sd+ || true)
      rss_rows+=("llama.cpp|$((kib / 1024)) MiB|KV caches ${kv:-?} (llama-completion -c $ctx -b 1 -ub 1, /usr/bin/time)")
    else
      rss_rows+=("llama.cpp|-|llama-completion failed: $(tail -1 "$log" | cut -c1-80)")
    fi
  fi
fi

echo
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "weights: random, $type (playground synth) | -p $n_prompt -n $n_gen -t $threads -r $reps"
echo "machine: $cpu, $(nproc) CPUs | load average $load_start at start, $(cut -d' ' -f1 /proc/loadavg) at end | $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "ours: $("$playground" --version 2>/dev/null | head -1) (median)"
if [ -n "$llama_bench" ]; then
  commit=$(bench_llama_commit)
  echo "llama.cpp: $commit, llama-bench (mean), OMP_WAIT_POLICY=$omp"
fi
echo
printf '| %-12s | %-9s | %10s | %10s | %9s | %-40s |\n' model engine "pp$n_prompt t/s" "tg$n_gen t/s" "peak RSS" note
echo '| ------------ | --------- | ---------: | ---------: | --------: | ---------------------------------------- |'
for row in "${rows[@]}"; do
  IFS='|' read -r m e result <<<"$row"
  if [[ "$result" == error:* ]]; then
    printf '| %-12s | %-9s | %10s | %10s | %9s | %-40s |\n' "$m" "$e" "-" "-" "-" "${result#error: }"
  else
    read -r pp tg rss note <<<"$result"  # note: the rest of the line
    printf '| %-12s | %-9s | %10.2f | %10.2f | %5s MiB | %-40s |\n' "$m" "$e" "$pp" "$tg" "$rss" "${note:-}"
  fi
done
if [ ${#rss_rows[@]} -gt 0 ]; then
  echo
  echo "gemma3-1b ($type) peak RSS with a $ctx-token context:"
  echo
  echo '| engine    | peak RSS   | how |'
  echo '| --------- | ---------: | --- |'
  for row in "${rss_rows[@]}"; do
    IFS='|' read -r e rss how <<<"$row"
    printf '| %-9s | %10s | %s |\n' "$e" "$rss" "$how"
  done
fi
