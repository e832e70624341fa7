"""A RelayKit outgoing-webhook bot in plain Python (standard library only): answers "!ping" with "pong".

Run: WEBHOOK_SECRET=whsec_... PORT=8000 python3 ping_bot.py
"""
import base64, hashlib, hmac, json, os, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = base64.b64decode(os.environ["WEBHOOK_SECRET"].removeprefix("whsec_"))


def verified(headers, body: bytes) -> bool:
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body">, timestamp within 5 minutes."""
    msg_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    given = [s.removeprefix("v1,") for s in headers.get("webhook-signature", "").split()]
    return any(hmac.compare_digest(s, expected) for s in given)


class Bot(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if not verified(self.headers, body):
            return self.answer(401)
        content = json.loads(body)["content"]
        text = content if isinstance(content, str) else content.get("text", "")
        if text.startswith("!ping"):
            return self.answer(200, {"text": "pong"})
        self.answer(204)

    def answer(self, status, reply=None):
        data = json.dumps(reply).encode() if reply else b""
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Bot)
print(f"listening on {server.server_port}", flush=True)
server.serve_forever()
