#!/usr/bin/env bash
# Wall time of `llmc run-all --parallel 2` against `--parallel 1` on the diamond plan WO-01 → {WO-02, WO-03} → WO-04
# (and, for scale, a wide plan WO-01 → {WO-02 … WO-05} → WO-06), with a loopback model that takes DELAY seconds
# per answer (python3 stdlib HTTP server on 127.0.0.1) and a trivial acceptance command per work order.
# The best possible ratio is the critical path over the total: 3/4 for the diamond, 3/6 for the wide plan.
#
# Usage: bench/parallel-speedup.sh [DELAY=3] [REPEAT=3]     (needs: dotnet, git, python3)
set -euo pipefail

DELAY="${1:-3}"
REPEAT="${2:-3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmc-parallel.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building llmc (Release)..." >&2
dotnet build "$ROOT/src/LlmCompiler.Cli" -c Release -v:q -nologo >/dev/null
LLMC="$(find "$ROOT/src/LlmCompiler.Cli/bin/Release" -name llmc.dll | head -n 1)"

# An OpenAI-compatible endpoint that answers after DELAY seconds, concurrently: it writes the file the work order names.
PORT_FILE="$WORK/port"
python3 - "$PORT_FILE" "$DELAY" <<'PY' &
import json, re, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
delay = float(sys.argv[2])
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        target = re.search(r"Files you may write \(and no others\)\n  - (\S+)", prompt).group(1)
        time.sleep(delay)
        proposal = {"summary": "bench", "writes": [{"path": target, "base_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "content": "hello\n"}]}
        out = json.dumps({"id": "b", "object": "chat.completion", "created": 0, "model": "bench",
                          "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(proposal)}}],
                          "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(out))); self.end_headers()
        self.wfile.write(out)
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_port))
s.serve_forever()
PY
SERVER_PID=$!
for _ in $(seq 1 100); do [[ -s "$PORT_FILE" ]] && break; sleep 0.1; done
ENDPOINT="http://127.0.0.1:$(cat "$PORT_FILE")/v1"
export LLMC_BENCH_KEY="sk-bench-not-a-secret"

# plan NAME "WO-01:" "WO-02:WO-01" …  — each work order creates src/<id>.txt and depends on the ids after ':'.
make_plan() {
  local dir="$1"; shift
  mkdir -p "$dir"
  for spec in "$@"; do
    local id="${spec%%:*}" deps="${spec#*:}" list=""
    for d in ${deps//,/ }; do list="$list${list:+,}\"$d\""; done
    cat > "$dir/$id.json" <<JSON
{"id":"$id","title":"Create $id","intent":"Create src/$id.txt.","preconditions":[{"kind":"file_absent","path":"src/$id.txt"}],"postconditions":[{"kind":"file_exists","path":"src/$id.txt"}],"allowed_files":["src/$id.txt"],"forbidden":[],"acceptance_commands":["grep -q hello src/$id.txt"],"context_files":[],"notes":null,"depends_on":[$list]}
JSON
  done
}

run_once() { # PLAN PARALLEL → seconds
  local repo="$WORK/repo-$RANDOM$RANDOM"
  mkdir -p "$repo"
  git -C "$repo" init -q -b main
  git -C "$repo" config user.name bench
  git -C "$repo" config user.email bench@example.invalid
  echo "# bench" > "$repo/README.md"
  git -C "$repo" add -A && git -C "$repo" commit -q -m baseline
  local start end
  start=$(date +%s.%N)
  dotnet "$LLMC" run-all "$1" --repo "$repo" --parallel "$2" --endpoint "$ENDPOINT" --api-key-env LLMC_BENCH_KEY --model bench --max-attempts 1 \
    >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/out" "$WORK/err" >&2; exit 1; }
  end=$(date +%s.%N)
  local landed; landed=$(git -C "$repo" log --format=%s | grep -c '^WO-')
  [[ "$landed" -eq "$3" ]] || { echo "expected $3 landed work orders, got $landed" >&2; cat "$WORK/err" >&2; exit 1; }
  rm -rf "$repo"
  python3 -c "print(f'{$end - $start:.3f}')"
}

make_plan "$WORK/diamond" "WO-01:" "WO-02:WO-01" "WO-03:WO-01" "WO-04:WO-02,WO-03"
make_plan "$WORK/wide" "WO-01:" "WO-02:WO-01" "WO-03:WO-01" "WO-04:WO-01" "WO-05:WO-01" "WO-06:WO-02,WO-03,WO-04,WO-05"

for plan in diamond:4 wide:6; do
  name="${plan%%:*}" count="${plan#*:}"
  seq_times=() par_times=()
  for _ in $(seq 1 "$REPEAT"); do
    seq_times+=("$(run_once "$WORK/$name" 1 "$count")")
    par_times+=("$(run_once "$WORK/$name" 2 "$count")")
  done
  python3 - "$name" "$count" "$DELAY" "${seq_times[*]}" "${par_times[*]}" <<'PY'
import statistics, sys
name, count, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
seq = [float(x) for x in sys.argv[4].split()]; par = [float(x) for x in sys.argv[5].split()]
# With 2 slots: the diamond needs 3 rounds of 4 answers, the wide plan 4 rounds (1, 2 + 2, 1) of 6.
best = {"diamond": 3 / 4, "wide": 4 / 6}[name]
s, p = statistics.median(seq), statistics.median(par)
print(f"{name} plan ({count} work orders, model {delay:g} s per answer): --parallel 1 median {s:.1f} s, --parallel 2 median {p:.1f} s, "
      f"ratio {p / s:.2f} (best possible with 2 slots: {best:.2f})")
PY
done
