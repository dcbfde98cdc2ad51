#!/usr/bin/env bash
# Harness overhead of one factory attempt on a repository with many tracked files.
#
# Runs `llmc run` RUNS times against a throw-away repository of FILES tracked files, with an instant
# loopback LLM (python3 stdlib HTTP server on 127.0.0.1) and a trivial acceptance command. From each run's
# journal it subtracts the LLM call and the child commands, leaving what the harness itself costs:
# preflight (status of the whole tree, lock, recovery), worktree creation, hashing, gates, writes, commit,
# fast-forward landing and cleanup. Peak RSS of the llmc process comes from /usr/bin/time.
#
# Usage: bench/factory-overhead.sh [FILES=5000] [RUNS=9]     (needs: dotnet, git, python3, /usr/bin/time)
set -euo pipefail

FILES="${1:-5000}"
RUNS="${2:-9}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmc-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building llmc (Release)..." >&2
dotnet build "$ROOT/src/LlmCompiler.Cli" -c Release -v:q -nologo >/dev/null
LLMC="$(find "$ROOT/src/LlmCompiler.Cli/bin/Release" -name llmc.dll | head -n 1)"

echo "creating a repository with $FILES tracked files..." >&2
REPO="$WORK/repo"
mkdir -p "$REPO"
git -C "$REPO" init -q -b main
git -C "$REPO" config user.name bench
git -C "$REPO" config user.email bench@example.invalid
python3 - "$REPO" "$FILES" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    d = os.path.join(root, "src", f"m{i // 100:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:05d}.cs"), "w") as f:
        f.write(f"namespace Bench;\npublic static class C{i} {{ public const int V = {i}; }}\n" + "// filler\n" * 20)
PY
printf 'bin/\nobj/\n' > "$REPO/.gitignore"
git -C "$REPO" add -A
git -C "$REPO" commit -q -m "baseline with $FILES files"

PLAN="$WORK/plan"
mkdir -p "$PLAN"

# An OpenAI-compatible endpoint that answers at once: it writes the file the work order names.
PORT_FILE="$WORK/port"
python3 - "$PORT_FILE" <<'PY' &
import json, re, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        target = re.search(r"Files you may write \(and no others\)\n  - (\S+)", prompt).group(1)
        proposal = {"summary": "bench", "writes": [{"path": target, "base_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "content": "hello\n"}]}
        out = json.dumps({"id": "b", "object": "chat.completion", "created": 0, "model": "bench",
                          "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(proposal)}}],
                          "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(out))); self.end_headers()
        self.wfile.write(out)
s = HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_port))
s.serve_forever()
PY
SERVER_PID=$!
for _ in $(seq 1 100); do [[ -s "$PORT_FILE" ]] && break; sleep 0.1; done
ENDPOINT="http://127.0.0.1:$(cat "$PORT_FILE")/v1"
export LLMC_BENCH_KEY="sk-bench-not-a-secret"

echo "running $RUNS work orders..." >&2
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
for n in $(seq 1 "$RUNS"); do
  id=$(printf "WO-%02d" "$n")
  cat > "$PLAN/$id.json" <<JSON
{"id":"$id","title":"Add bench $n","intent":"Create bench/b$n.txt.","preconditions":[{"kind":"file_absent","path":"bench/b$n.txt"}],"postconditions":[{"kind":"file_exists","path":"bench/b$n.txt"}],"allowed_files":["bench/b$n.txt"],"forbidden":[],"acceptance_commands":["true"],"context_files":[],"notes":null,"verify_exempt":false}
JSON
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/rss" dotnet "$LLMC" run --repo "$REPO" "$PLAN/$id.json" \
    --endpoint "$ENDPOINT" --api-key-env LLMC_BENCH_KEY --model bench --max-attempts 1 >/dev/null 2>"$WORK/stderr" \
    || { echo "run $n failed:" >&2; cat "$WORK/stderr" >&2; exit 1; }
  end=$(date +%s.%N)
  run_dir=$(ls -d "$REPO/.llmc/runs/factory/"* | sort | tail -n 1)
  python3 - "$run_dir" "$start" "$end" "$(cat "$WORK/rss")" >> "$RESULTS" <<'PY'
import json, sys
from datetime import datetime
run_dir, start, end, rss_kb = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
events = [json.loads(l) for l in open(f"{run_dir}/journal.jsonl") if l.strip()]
t = lambda e: datetime.fromisoformat(e["time"]).timestamp()
first = {e["event"]: t(e) for e in reversed(events)}
summary = json.load(open(f"{run_dir}/run_summary.json"))
assert summary["verdict"] == "PASS", summary
llm = first["writes_applying"] - first["llm_call"]
commands = sum(c["duration_seconds"] for a in summary["attempts"] for c in a["verify"] + a["acceptance"])
in_run = first["run_finished"] - first["run_started"] - llm - commands
process = (end - start) - llm - commands
print(f"{in_run:.4f}\t{process:.4f}\t{llm:.4f}\t{commands:.4f}\t{rss_kb}")
PY
done

python3 - "$RESULTS" "$FILES" "$RUNS" <<'PY'
import statistics, sys
rows = [list(map(float, l.split("\t"))) for l in open(sys.argv[1]) if l.strip()]
med = lambda i: statistics.median(r[i] for r in rows)
print(f"repository: {sys.argv[2]} tracked files; {sys.argv[3]} runs of `llmc run` (1 attempt each, PASS, landed)")
print(f"harness overhead per attempt, inside the run (journal run_started..run_finished minus LLM and commands): median {med(0):.3f} s, max {max(r[0] for r in rows):.3f} s")
print(f"whole llmc process minus LLM and commands (includes .NET start-up and preflight): median {med(1):.3f} s")
print(f"LLM call (loopback) median {med(2)*1000:.1f} ms; child commands median {med(3)*1000:.1f} ms")
print(f"peak RSS of the llmc process: median {med(4)/1024:.1f} MB, max {max(r[4] for r in rows)/1024:.1f} MB")
PY
