"""A raw-socket WebSocket client (RFC 6455) for the e2e cases: it writes frames byte by byte as
the test says (reserved bits, reserved opcodes, fragments, invalid UTF-8, bad close codes), so
the server's handling of each protocol case is checked, not a library's.

  c = WsClient.connect(port, "/echo", headers={...}, protocols=[...])  # raises HandshakeError
  c.send_frame(OP_TEXT, b"hi")          # fin, masked
  op, payload = c.recv_message()        # a whole message (control frames are returned too)
  code, reason = c.expect_close()       # the server's close frame (then the TCP close)
"""
import base64
import hashlib
import os
import socket
import struct

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class HandshakeError(Exception):
    def __init__(self, status, headers, body):
        super().__init__(f"handshake answered {status}: {body!r}")
        self.status, self.headers, self.body = status, headers, body


class Closed(Exception):
    """The TCP connection ended."""


class WsClient:
    def __init__(self, sock, headers, leftover=b""):
        self.sock = sock
        self.headers = headers  # of the 101, lower-case names
        self.buf = leftover

    @staticmethod
    def connect(port, path, headers=None, protocols=None, timeout=10, origin=None, tls=None, rcvbuf=None):
        """`tls`: an ssl.SSLContext (wss://, server name localhost); `rcvbuf`: SO_RCVBUF before
        connecting (a client whose kernel buffer fills fast)."""
        if rcvbuf:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.settimeout(timeout)
            sock.connect(("127.0.0.1", port))
        else:
            sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname="localhost")
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if protocols:
            lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
        if origin:
            lines.append(f"Origin: {origin}")
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                raise HandshakeError(0, {}, data)
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *fields = head.decode(errors="replace").split("\r\n")
        status = int(status_line.split()[1])
        hdrs = {}
        for f in fields:
            k, _, v = f.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        if status != 101:
            length = int(hdrs.get("content-length", "0"))
            while len(rest) < length:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                rest += chunk
            sock.close()
            raise HandshakeError(status, hdrs, rest)
        want = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        if hdrs.get("sec-websocket-accept") != want:
            raise HandshakeError(status, hdrs, b"bad Sec-WebSocket-Accept")
        return WsClient(sock, hdrs, rest)

    # --- writing ---
    def send_raw(self, data):
        self.sock.sendall(data)

    @staticmethod
    def frame(op, payload=b"", fin=True, rsv=0, mask=True, length_override=None):
        b0 = (0x80 if fin else 0) | (rsv << 4) | op
        n = len(payload) if length_override is None else length_override
        if n < 126:
            head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
        elif n < 65536:
            head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
        else:
            head = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
        if not mask:
            return head + payload
        key = os.urandom(4)
        masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        return head + key + masked

    def send_frame(self, op, payload=b"", **kw):
        self.send_raw(self.frame(op, payload, **kw))

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode())

    def close(self, code=1000, reason=b""):
        payload = b"" if code is None else struct.pack("!H", code) + reason
        self.send_frame(OP_CLOSE, payload)

    # --- reading ---
    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed()
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        """(fin, rsv, opcode, payload) of the next frame the server sent (servers do not mask)."""
        b0, b1 = self._need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        if b1 & 0x80:
            key = self._need(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(self._need(n)))
        else:
            payload = self._need(n)
        return bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, payload

    def recv_message(self):
        """The next message (data frames joined) or control frame, as (opcode, payload)."""
        fin, _, op, payload = self.recv_frame()
        if op >= 0x8 or fin:
            return op, payload
        parts = [payload]
        while True:
            fin, _, cop, p = self.recv_frame()
            if cop >= 0x8:
                return cop, p  # a control frame in the middle: returned as it comes
            parts.append(p)
            if fin:
                return op, b"".join(parts)

    def recv_data(self):
        """The next data message, answering pings on the way."""
        while True:
            op, payload = self.recv_message()
            if op == OP_PING:
                self.send_frame(OP_PONG, payload)
                continue
            if op == OP_PONG:
                continue
            return op, payload

    def expect_close(self):
        """The server's close frame: (code or None, reason bytes); then the TCP connection ends."""
        while True:
            op, payload = self.recv_message()
            if op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                return code, payload[2:]

    def closed_by_server(self, timeout=5):
        """True when the server ends the TCP connection within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except (socket.timeout, TimeoutError):
            return False
        except OSError:
            return True

    def shutdown(self):
        try:
            self.sock.close()
        except OSError:
            pass
