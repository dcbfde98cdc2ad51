#!/usr/bin/env python3
"""Serves the hand-written TextKit transcript as an OpenAI-compatible Chat Completions endpoint on 127.0.0.1.

Only for re-recording the sample's cassettes (see README.md): a planner request gets planner/attempt-1.json,
an executor request for WO-NN gets executor/WO-NN.attempt-1.json. Prints the port on stdout, then serves until
killed. Token counts are estimates (characters / 4); the answers are hand-written, not a model's.
"""
import http.server, json, pathlib, re, sys, time

HERE = pathlib.Path(__file__).resolve().parent
EXECUTOR = re.compile(r"You are the executor of work order (WO-\d{2})")


def answer_for(messages):
    text = "\n".join(m.get("content") or "" for m in messages if isinstance(m.get("content"), str))
    match = EXECUTOR.search(text)
    path = HERE / "executor" / f"{match.group(1)}.attempt-1.json" if match else HERE / "planner" / "attempt-1.json"
    return path.read_text(encoding="utf-8"), text


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.send_error(404)
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        content, prompt = answer_for(body.get("messages", []))
        payload = json.dumps({
            "id": f"chatcmpl-transcript-{int(time.time() * 1000)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "unknown"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content, "refusal": None}}],
            "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(content) // 4,
                      "total_tokens": len(prompt) // 4 + len(content) // 4},
        }).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, fmt, *args):
        sys.stderr.write("transcript-server: " + fmt % args + "\n")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
