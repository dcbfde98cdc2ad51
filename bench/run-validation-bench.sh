#!/usr/bin/env bash
# Runs the validation benchmarks in Release and prints the mean time and allocation per benchmark.
#
#   bench/run-validation-bench.sh                      # every benchmark, BenchmarkDotNet's short job
#   bench/run-validation-bench.sh --filter '*Repo*'    # a subset (BenchmarkDotNet glob on the full name)
#   BENCH_JOB=default bench/run-validation-bench.sh    # the full default job (slower, tighter error bars)
#
# Any other argument is passed to BenchmarkDotNet unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

job="${BENCH_JOB:-short}"
artifacts="$(mktemp -d)"
trap 'rm -rf "$artifacts"' EXIT

args=("$@")
has_filter=false
for a in "${args[@]+"${args[@]}"}"; do
  [ "$a" = "--filter" ] && has_filter=true
done
$has_filter || args+=(--filter '*ValidationBenchmarks*')

dotnet run -c Release --project bench/LlmCompiler.Benchmarks -- \
  --job "$job" --artifacts "$artifacts" --exporters json "${args[@]}"

echo
echo "Means (job: $job, $(nproc) cores, $(dotnet --version)):"
shopt -s nullglob
found=false
for report in "$artifacts"/results/*-report-full-compressed.json "$artifacts"/results/*-report-full.json; do
  found=true
  jq -r '.Benchmarks[] | [ (.Method + " " + (.Parameters // "")),
      ((.Statistics.Mean / 1e6 * 1000 | round / 1000 | tostring) + " ms"),
      ((.Statistics.StandardDeviation / 1e6 * 1000 | round / 1000 | tostring) + " ms sd"),
      (((.Memory.BytesAllocatedPerOperation // 0) / 1048576 * 100 | round / 100 | tostring) + " MiB alloc") ]
    | @tsv' "$report" | column -t -s $'\t'
  break
done
$found || { echo "no BenchmarkDotNet results found in $artifacts/results" >&2; exit 1; }
