"""A scripted LSP client: starts `luxc lsp` and speaks JSON-RPC with Content-Length framing
over its stdin/stdout (tests/lsp/test_lsp.py, bench/lsp/bench_lsp.py)."""
import json
import queue
import subprocess
import threading
import time


class LspClient:
    def __init__(self, luxc, args=()):
        self.proc = subprocess.Popen([luxc, "lsp", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.next_id = 0
        self.inbox = queue.Queue()
        self.stderr_lines = []
        self.threads = [threading.Thread(target=self._read, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.inbox.put(json.loads(out.read(length)))

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line.decode(errors="replace"))

    @staticmethod
    def frame(body: bytes) -> bytes:
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def send_raw(self, body: bytes):
        self.send_frames(self.frame(body))

    def send_frames(self, data: bytes):
        """Writes already framed messages in one write (a burst arrives at once)."""
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send_raw(json.dumps(msg).encode())

    def request_async(self, method, params=None):
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send_raw(json.dumps(msg).encode())
        return self.next_id

    def wait_for(self, pred, timeout=20.0):
        """The first message for which pred is true; the others seen meanwhile are kept in `seen`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching message from luxc lsp")
            msg = self.inbox.get(timeout=left)
            if msg is None:
                raise EOFError("luxc lsp closed its output")
            if pred(msg):
                return msg

    def request(self, method, params=None, timeout=20.0):
        rid = self.request_async(method, params)
        msg = self.wait_for(lambda m: m.get("id") == rid and ("result" in m or "error" in m), timeout)
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return msg["result"]

    def diagnostics(self, uri, version=None, timeout=20.0):
        def pred(m):
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            return version is None or m["params"].get("version") == version
        return self.wait_for(pred, timeout)["params"]["diagnostics"]

    def initialize(self, root_uri=None):
        result = self.request("initialize", {"processId": None, "rootUri": root_uri, "capabilities": {}})
        self.notify("initialized", {})
        return result

    def close(self, timeout=10.0):
        """Waits for the server to exit and for its output to be read to the end; its status."""
        status = self.proc.wait(timeout=timeout)
        for t in self.threads:
            t.join(timeout)
        return status
