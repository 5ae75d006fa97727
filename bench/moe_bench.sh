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
# bench/side_by_side.sh holds the runs and the options this script shares
# with arch_bench.sh.
# Peak RSS: /usr/bin/time's maximum resident set size of each whole run, the
# same way for both engines. Both map the file, so it counts the weight pages
# the run touched: after the warm-up and the prompt most experts have been read,
# so it approaches the file size when RAM allows; the KV cache and buffers come
# on top. Drop the page cache between runs only if you want cold-start numbers
# (this script does not).
set -euo pipefail

bench_name=moe_bench.sh
source "$(dirname "$0")/side_by_side.sh"
llama_dirs="/work/llama.cpp/build-noamx/bin /work/llama.cpp/build/bin"
shapes="gpt-oss-20b qwen3-30b-a3b"

while [ $# -gt 0 ]; do
  bench_common_option "$@"
  if [ "$bench_shift" -gt 0 ]; then shift "$bench_shift"; continue; fi
  case "$1" in
    --llama) [ $# -ge 2 ] || { echo "$bench_name: --llama needs a value" >&2; exit 2; }; llama_dirs=$2; shift 2 ;;
    -h|--help) sed -n '2,39p' "$0"; exit 0 ;;
    *) echo "$bench_name: unknown option $1" >&2; exit 2 ;;
  esac
done
bench_setup
benches=()
for d in $llama_dirs; do
  if [ -x "$d/llama-bench" ]; then benches+=("$d/llama-bench"); else echo "$bench_name: no llama-bench in '$d': skipped" >&2; fi
done

load_start=$(cut -d' ' -f1 /proc/loadavg)
rows=()
for shape in $shapes; do
  model=$(bench_model_file "$shape")
  size=$(du -m "$model" | cut -f1)
  echo "== $shape ($size MiB): ours" >&2
  rows+=("$shape|$size|ours|$(bench_ours_run "$model" "$shape")")
  for b in "${benches[@]}"; do
    build=$(basename "$(dirname "$(dirname "$b")")")
    echo "== $shape: llama.cpp $build" >&2
    rows+=("$shape|$size|llama.cpp $build|$(bench_llama_run "$b" "$model" "$shape.$build")")
  done
done

echo
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "weights: random, $type (playground synth) | -p $n_prompt -n $n_gen -t $threads -r $reps"
echo "machine: $cpu, $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) | load average $load_start at start, $(cut -d' ' -f1 /proc/loadavg) at end | $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "ours: $("$playground" --version 2>/dev/null | head -1) (median)"
if [ ${#benches[@]} -gt 0 ]; then
  commit=$(bench_llama_commit)
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
