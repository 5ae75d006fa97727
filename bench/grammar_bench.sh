#!/usr/bin/env bash
# Constrained-decoding benchmark: generation speed with and without a JSON
# schema (or GBNF grammar), ours against llama.cpp, on the same GGUF files,
# threads, context, prompt and token count; prints one table. Measures only:
# never builds either engine, never changes a model, never run by the tests
# (it takes minutes and needs a llama.cpp build outside the project).
#
#   bench/grammar_bench.sh [LLAMA_CPP_BIN_DIR] [options]
#     LLAMA_CPP_BIN_DIR  llama.cpp's bin/ directory (or $LLAMA_CPP_BIN); it
#                        needs llama-completion (the non-chat CLI). Without
#                        one, only our rows are printed.
#     -m MODEL           a model to run (repeatable; default /work/tl-Q4_0.gguf
#                        and /work/tl3-Q4_0.gguf)
#     -n N               tokens to generate (default 64)
#     -t N               threads (default 2)
#     -r N               repetitions (default 2; ours adds a warm-up of each)
#     -c N               context size (default 512)
#     --schema FILE      JSON schema (default bench/grammar/notes.schema.json:
#                        {"notes": [up to 200 strings of maxLength 40]})
#     --grammar FILE     a GBNF grammar instead of the schema, for both engines
#     --playground BIN   our binary (default ./build/playground)
#     --keep DIR         keep every raw output in DIR
#
# Our figures come from `playground bench --json-schema/--grammar` (tg through
# the decode loop, each repetition a reply without and one with the
# constraint, taking turns step by step). llama.cpp's from llama-completion's
# timing lines (free and constrained runs alternating), with its
# default sampling (as ours: T 0.8, top-k 40, top-p 0.95, min-p 0.05) and
# tokens/s = eval runs / (eval time + sampling time); its unconstrained run
# ignores end of generation (as ours does), its constrained run ends when the
# grammar is complete (as ours does). Both get the prompt below (BOS first).
# llama.cpp runs with OMP_WAIT_POLICY=passive (override with
# LLAMA_OMP_WAIT_POLICY=active): its OpenMP threads otherwise spin at every
# barrier, and on a 2-core machine shared with other work one preempted
# thread stalls the other (measured 1.7-7 t/s instead of 16-17 t/s); ours
# yields while waiting.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
llama_bin=${LLAMA_CPP_BIN:-}
models=()
n_gen=64 threads=2 reps=2 ctx=512
schema="$here/bench/grammar/notes.schema.json"
grammar=""
playground="$here/build/playground"
keep=""
prompt="Here is a JSON object with a list of short notes:"  # = bench::kDecodeLoopPrompt

while [ $# -gt 0 ]; do
  case "$1" in
    -m) models+=("$2"); shift 2 ;;
    -n) n_gen=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -r) reps=$2; shift 2 ;;
    -c) ctx=$2; shift 2 ;;
    --schema) schema=$2; shift 2 ;;
    --grammar) grammar=$2; shift 2 ;;
    --playground) playground=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    -*) echo "grammar_bench.sh: unknown option $1" >&2; exit 2 ;;
    *) llama_bin=$1; shift ;;
  esac
done
[ ${#models[@]} -gt 0 ] || models=(/work/tl-Q4_0.gguf /work/tl3-Q4_0.gguf)
command -v jq >/dev/null || { echo "grammar_bench.sh: needs jq" >&2; exit 2; }
[ -x "$playground" ] || { echo "grammar_bench.sh: no $playground (build the playground target)" >&2; exit 2; }
llama=""
if [ -n "$llama_bin" ]; then
  llama="$llama_bin/llama-completion"
  [ -x "$llama" ] || { echo "grammar_bench.sh: no $llama (cmake --build build --target llama-completion)" >&2; exit 2; }
fi

if [ -n "$grammar" ]; then
  ours_constraint=(--grammar "$grammar"); llama_constraint=(--grammar-file "$grammar"); what="grammar $grammar"
else
  ours_constraint=(--json-schema "$schema"); llama_constraint=(--json-schema-file "$schema"); what="JSON schema $schema"
fi

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# One llama-completion run; prints "tokens/s eval-runs sampling-ms-per-token".
llama_run() {  # model log [constraint args...]
  local model=$1 log=$2; shift 2
  # -b 1 -ub 1: one token per forward pass (prompt included). At 3f545becc
  # llama.cpp's AMX matmul crashes on larger batches on this CPU; generation
  # is one token at a time anyway, and the extra buffer types stay on.
  OMP_WAIT_POLICY=${LLAMA_OMP_WAIT_POLICY:-passive} "$llama" -m "$model" -p "$prompt" -n "$n_gen" -t "$threads" -tb "$threads" -c "$ctx" -s 1234 -b 1 -ub 1 \
    -no-cnv --no-display-prompt "$@" </dev/null >"$log.out" 2>"$log" || {
    echo "grammar_bench.sh: llama-completion failed, see $log" >&2; tail -5 "$log" >&2; return 1; }
  awk '
    /sampling time =/ { for (i = 1; i <= NF; i++) if ($i == "=") s = $(i + 1) }
    /[^t] eval time =/ && !/prompt eval/ { for (i = 1; i <= NF; i++) { if ($i == "=") e = $(i + 1); if ($i == "runs") n = $(i - 1) } }
    END { if (n > 0) printf "%.3f %d %.3f\n", n * 1000 / (e + s), n, s / n; else print "nan 0 nan" }' "$log"
}

load_start=$(cut -d' ' -f1 /proc/loadavg)
rows=()
for model in "${models[@]}"; do
  [ -f "$model" ] || { echo "grammar_bench.sh: no model $model" >&2; exit 2; }
  name=$(basename "$model" .gguf)
  echo "== $name: ours ($what)" >&2
  json="$work/$name.ours.json"
  "$playground" bench -m "$model" -p 32 -n "$n_gen" -t "$threads" -r "$reps" --ctx "$ctx" --bw-mib 64 --json \
    "${ours_constraint[@]}" >"$json" 2>"$work/$name.ours.log"
  free_ts=$(jq -r '.constrained.unconstrained.tokens_per_s.median' "$json")
  con_ts=$(jq -r '.constrained.constrained.tokens_per_s.median' "$json")
  counts='(.generated | map(tostring) | join(",")) + " (" + (.timed | map(tostring) | join(",")) + ")"'
  free_n=$(jq -r ".constrained.unconstrained | $counts" "$json")
  con_n=$(jq -r ".constrained.constrained | $counts" "$json")
  free_ms=$(jq -r '.constrained.unconstrained.choose_ms_per_token' "$json")
  con_ms=$(jq -r '.constrained.constrained.choose_ms_per_token' "$json")
  rows+=("$name|ours|free|$free_ts|$free_n|$free_ms")
  rows+=("$name|ours|constrained|$con_ts|$con_n|$con_ms")
  if [ -n "$llama" ]; then
    # Free and constrained in turn, each repetition, so load changes hit both alike.
    free_results=() con_results=()
    for ((i = 1; i <= reps; i++)); do
      echo "== $name: llama.cpp free and constrained $i/$reps" >&2
      free_results+=("$(llama_run "$model" "$work/$name.llama.free.$i.log" --ignore-eos)")
      con_results+=("$(llama_run "$model" "$work/$name.llama.constrained.$i.log" "${llama_constraint[@]}")")
    done
    for side in free constrained; do
      if [ $side = free ]; then results=("${free_results[@]}"); else results=("${con_results[@]}"); fi
      ts=$(printf '%s\n' "${results[@]}" | awk '{print $1}' | median)
      ns=$(printf '%s\n' "${results[@]}" | awk '{print $2}' | paste -sd,)
      ms=$(printf '%s\n' "${results[@]}" | awk '{print $3}' | median)
      rows+=("$name|llama.cpp|$side|$ts|$ns|$ms")
    done
  fi
done

echo
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
llama_version=""
[ -n "$llama" ] && llama_version=$("$llama" --version 2>&1 | awk '/^version/ {sub(/^version: /, ""); print; exit}')
echo "constraint: $what | -n $n_gen, -t $threads, -c $ctx, $reps repetitions (median)"
echo "machine: $cpu, $(nproc) CPUs | load average $load_start at start, $(cut -d' ' -f1 /proc/loadavg) at end | $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "ours: $("$playground" --version 2>/dev/null | head -1)"
[ -z "$llama" ] || echo "llama.cpp: $llama_version, llama-completion -b 1 -ub 1, OMP_WAIT_POLICY=${LLAMA_OMP_WAIT_POLICY:-passive}"
echo
printf '| %-14s | %-9s | %-11s | %9s | %-24s | %16s | %16s | %9s |\n' model engine run "t/s" "tokens/run (timed)" "sampling ms/tok" "masking ms/tok" "vs free"
echo '| -------------- | --------- | ----------- | --------: | ------------------------ | ---------------: | ---------------: | --------: |'
declare -A free_rate free_ms
for row in "${rows[@]}"; do
  IFS='|' read -r m e side ts ns ms <<<"$row"
  if [ "$side" = free ]; then
    free_rate["$m|$e"]=$ts; free_ms["$m|$e"]=$ms; rel="-"; mask="-"
  else
    rel=$(awk -v a="$ts" -v b="${free_rate["$m|$e"]}" 'BEGIN { if (b > 0) printf "%+.1f %%", 100 * (a / b - 1); else print "?" }')
    mask=$(awk -v a="$ms" -v b="${free_ms["$m|$e"]}" 'BEGIN { printf "%+.3f", a - b }')
  fi
  printf '| %-14s | %-9s | %-11s | %9.2f | %-24s | %16.3f | %16s | %9s |\n' "$m" "$e" "$side" "$ts" "$ns" "$ms" "$mask" "$rel"
done
