#!/usr/bin/env bash
# The sandbox's added cost per verify/acceptance command: the same program run directly and inside bubblewrap
# with an attempt's mounts, interleaved; prints both medians, the difference in ms and the ratio.
#
#   bench/sandbox-overhead.sh          # 31 runs each
#   bench/sandbox-overhead.sh 101      # more runs
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/LlmCompiler.Benchmarks -- sandbox-overhead "${1:-31}"
