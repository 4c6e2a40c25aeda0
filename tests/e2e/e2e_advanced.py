"""e2e case `advanced`: samples/advanced.lux (seed 000): JWT auth refusals and a valid token, the
welcome mail through an SMTP sink on loopback, the event and its RPC to an absent service.
"""
import json
import os
import shutil
import signal
import socketserver
import subprocess
import threading
import time
import urllib.error
import urllib.request

from e2e import build, check, free_port, make_jwt, read_until, wait_listening


class SmtpSink:
    """A minimal SMTP server on 127.0.0.1 (RFC 5321 happy path) that keeps what it receives."""

    def __init__(self):
        self.messages = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                def reply(text):
                    self.wfile.write((text + "\r\n").encode())
                reply("220 lux-e2e-sink ESMTP")
                msg = {"rcpt": [], "data": ""}
                while True:
                    line = self.rfile.readline().decode(errors="replace")
                    if not line:
                        return
                    cmd = line.strip().upper()
                    if cmd.startswith(("EHLO", "HELO")):
                        reply("250 lux-e2e-sink")
                    elif cmd.startswith("MAIL FROM"):
                        msg["from"] = line.strip()[10:]
                        reply("250 OK")
                    elif cmd.startswith("RCPT TO"):
                        msg["rcpt"].append(line.strip()[8:])
                        reply("250 OK")
                    elif cmd == "DATA":
                        reply("354 end with <CRLF>.<CRLF>")
                        data = []
                        while True:
                            d = self.rfile.readline().decode(errors="replace")
                            if not d or d in (".\r\n", ".\n"):
                                break
                            data.append(d)
                        msg["data"] = "".join(data)
                        sink.messages.append(dict(msg))
                        reply("250 OK: queued")
                    elif cmd == "QUIT":
                        reply("221 bye")
                        return
                    else:
                        reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def run(a):
    """samples/advanced.lux (seed 000's complete example): JWT auth, a model, a job, an event."""
    os.makedirs(a.out, exist_ok=True)
    p = build(a, os.path.join(a.root, "samples", "advanced.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    work = os.path.join(a.out, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    port = free_port()
    sink = SmtpSink()
    env = dict(os.environ, LUX_SERVICE_NOTIFICATIONS_URL=f"http://127.0.0.1:{free_port()}",
               SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port), MAIL_FROM="api@example.com")
    proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    now = int(time.time())
    user = {"name": "Ada", "email": "ada@example.com"}

    def post(token):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/users", method="POST", data=json.dumps(user).encode(),
                                     headers={"Content-Type": "application/json"})
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.loads(e.read().decode())

    try:
        check(wait_listening(port, proc), "advanced-api did not start listening")
        for what, token in [("no token", None), ("alg none", make_jwt({"sub": "1"}, alg="none")),
                            ("bad signature", make_jwt({"sub": "1"}, secret=b"wrong")),
                            ("expired", make_jwt({"sub": "1", "exp": now - 3600})),
                            ("not a JWT", "abc.def")]:
            st, headers, body = post(token)
            check(st == 401 and headers.get("WWW-Authenticate", "").startswith("Bearer"),
                  f"{what}: {st} {dict(headers)} {body}")
            check("error" in body and "request_id" in body, f"{what}: 401 body {body}")
        st, headers, body = post(make_jwt({"sub": "42", "exp": now + 3600}))
        check(st == 201 and body.get("name") == "Ada" and isinstance(body.get("id"), int), f"create with a valid token: {st} {body}")
        deadline = time.time() + 15
        while time.time() < deadline and not sink.messages:
            time.sleep(0.1)
        mail = sink.messages[0] if sink.messages else {}
        check(mail.get("rcpt") == ["<ada@example.com>"] and "Subject: Welcome!" in mail.get("data", "")
              and "Hello Ada!" in mail.get("data", ""), f"the welcome job's mail over SMTP: {mail}")
        # The handler's failure names the failed RPC (any other failure of the handler is not this).
        check(read_until(proc, r"event handler failed.*call of notifications\.notify failed", lines, 15),
              f"the subscriber's RPC to the absent notifications service is logged: {lines[-5:]}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        sink.close()
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")
    check("API server stopped" in "".join(lines) + out, "on_stop ran")
