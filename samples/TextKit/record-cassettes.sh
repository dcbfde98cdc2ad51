#!/usr/bin/env bash
# Re-records the sample's executor cassettes from the hand-written transcript (maintainers only; needs python3).
# Runs the real demo in `auto` mode: the planner replays its committed cassette, every executor request goes to
# transcript/serve-transcript.py on 127.0.0.1 and is recorded outside the product repository, then copied into
# product/llmc/cassettes/. Run it after changing the executor prompt or an executor answer. (The planner cassette
# is re-recorded by the test named in transcript/README.md.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/llmc-record.XXXXXX")"
port_file="$work/port"
python3 "$here/transcript/serve-transcript.py" >"$port_file" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
port="$(head -n 1 "$port_file")"
mkdir -p "$work/cassettes"
LLMC_DEMO_DIR="$work/demo" LLMC_DEMO_MODE=auto LLMC_DEMO_ENDPOINT="http://127.0.0.1:$port/v1" \
  LLMC_DEMO_FACTORY_CASSETTES="$work/cassettes/" "$here/../run-demo.sh"
rm -f "$here"/product/llmc/cassettes/executor-*.json
cp "$work"/cassettes/executor-*.json "$here/product/llmc/cassettes/"
echo "Recorded: $(ls "$here"/product/llmc/cassettes/)"
