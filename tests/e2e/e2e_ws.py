"""e2e case `ws`: WebSocket endpoints of programs/ws_chat.lux over real sockets, with the raw-socket
client tests/e2e/wsclient.py. The upgrade's answers (426, 403 for another Origin, 401 without a
token; the token as `Sec-WebSocket-Protocol: bearer, <token>` or `?token=`), a protocol suite after
the sections of Autobahn|Testsuite (1 framing, 2 pings and pongs, 3 reserved bits, 4 opcodes,
5 fragmentation, 6 UTF-8, 7 close handling, plus masking and the message limit), chat rooms with
three clients (join, leave, broadcast_to with except, broadcast, a POST that broadcasts into a room),
`ws.data` kept across hooks, on_error, pings and the idle timeout, and close 1001 on SIGTERM.
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import time
import urllib.request

from e2e import build, check, free_port, make_jwt, program, start_server, stop_server
from wsclient import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, Closed, HandshakeError,
                      WsClient)

SECRET = b"e2e-ws-secret-that-is-long-enough-0123"


def handshake_status(port, path, **kw):
    try:
        c = WsClient.connect(port, path, **kw)
        c.close()
        c.shutdown()
        return 101, {}, b""
    except HandshakeError as e:
        return e.status, e.headers, e.body


def expect_close(c, codes, what):
    """The server closes with one of `codes` (a close frame, then the TCP close)."""
    try:
        code, _ = c.expect_close()
    except (Closed, OSError) as e:
        check(False, f"{what}: no close frame ({e!r})")
        return
    check(code in codes, f"{what}: close code {code}, expected {codes}")
    check(c.closed_by_server(), f"{what}: the server kept the TCP connection open after the close")
    c.shutdown()


def echo(port):
    return WsClient.connect(port, "/echo")


def check_handshakes(port):
    st, hdrs, body = handshake_status(port, "/chat", headers={"Upgrade": "h2c"})
    # A GET without a WebSocket upgrade: 426 with the error shape.
    p = subprocess.run(["curl", "-s", "-o", "-", "-w", "%{http_code}", f"http://127.0.0.1:{port}/chat"],
                       capture_output=True, text=True)
    code, text = p.stdout[-3:], p.stdout[:-3]
    check(code == "426", f"GET /chat without upgrade: {code}")
    try:
        j = json.loads(text)
        check("error" in j and "request_id" in j, f"426 body {j}")
    except ValueError:
        check(False, f"426 body is not JSON: {text!r}")
    st, _, body = handshake_status(port, "/chat", origin="http://evil.example")
    check(st == 403 and b"origin" in body, f"upgrade from another origin: {st} {body!r}")
    st, _, _ = handshake_status(port, "/chat", origin="http://allowed.example")
    check(st == 101, f"upgrade from the allowed origin: {st}")
    st, _, _ = handshake_status(port, "/chat")
    check(st == 101, f"upgrade without Origin (not a browser): {st}")
    st, _, _ = handshake_status(port, "/nowhere")
    check(st == 404, f"upgrade of an unknown path: {st}")


def check_auth(port):
    token = make_jwt({"sub": "u1", "exp": int(time.time()) + 600}, SECRET)
    st, _, body = handshake_status(port, "/secure/feed")
    check(st == 401, f"/secure/feed without a token: {st} {body!r}")
    st, _, _ = handshake_status(port, "/secure/feed", headers={"Authorization": "Bearer nope"})
    check(st == 401, f"/secure/feed with a bad token: {st}")
    for how, kw, path in (("Authorization", {"headers": {"Authorization": f"Bearer {token}"}}, "/secure/feed"),
                          ("subprotocol", {"protocols": ["bearer", token]}, "/secure/feed"),
                          ("query", {}, f"/secure/feed?token={token}")):
        try:
            c = WsClient.connect(port, path, **kw)
        except HandshakeError as e:
            check(False, f"token by {how}: {e}")
            continue
        if how == "subprotocol":
            check(c.headers.get("sec-websocket-protocol") == "bearer", f"chosen subprotocol: {c.headers}")
        op, payload = c.recv_data()
        check((op, payload) == (OP_TEXT, b"authorized"), f"token by {how}: {op} {payload!r}")
        c.close()
        expect_close(c, (1000,), f"token by {how}: close")


def check_framing(port):
    # 1: text and binary messages of the sizes around the length encodings, echoed.
    c = echo(port)
    for n in (0, 1, 125, 126, 127, 65535, 65536):
        c.send_frame(OP_TEXT, b"*" * n)
        op, payload = c.recv_data()
        check(op == OP_TEXT and payload == b"*" * n, f"1.1 text of {n} bytes echoed ({op}, {len(payload)})")
    for n in (0, 125, 65536):
        data = bytes((i * 7 + 3) & 0xFF for i in range(n))
        c.send_frame(OP_BINARY, data)
        op, payload = c.recv_data()
        check(op == OP_BINARY and payload == data, f"1.2 binary of {n} bytes echoed ({op}, {len(payload)})")
    # 2: pings and pongs.
    c.send_frame(OP_PING, b"hello")
    op, payload = c.recv_message()
    check((op, payload) == (OP_PONG, b"hello"), f"2.2 pong echoes the ping's payload: {op} {payload!r}")
    c.send_frame(OP_PING, b"")
    check(c.recv_message() == (OP_PONG, b""), "2.1 empty ping")
    c.send_frame(OP_PONG, b"unsolicited")  # 2.7: ignored
    for i in range(10):
        c.send_frame(OP_PING, str(i).encode())
    got = [c.recv_message() for _ in range(10)]
    check(got == [(OP_PONG, str(i).encode()) for i in range(10)], f"2.10 ten pings, ten pongs in order: {got}")
    c.send_text("still there")
    check(c.recv_data() == (OP_TEXT, b"still there"), "2.7 an unsolicited pong is ignored")
    c.close()
    expect_close(c, (1000,), "7.1.1 normal close")
    c = echo(port)
    c.send_frame(OP_PING, b"x" * 126)
    expect_close(c, (1002,), "2.5 ping payload over 125 bytes")
    # 3: reserved bits.
    for rsv in (1, 2, 4, 7):
        c = echo(port)
        c.send_frame(OP_TEXT, b"rsv", rsv=rsv)
        expect_close(c, (1002,), f"3.x text with RSV {rsv}")
    c = echo(port)
    c.send_frame(OP_PING, b"", rsv=1)
    expect_close(c, (1002,), "3.6 ping with RSV 1")
    # 4: reserved opcodes.
    for op in (3, 4, 5, 6, 7, 0xB, 0xC, 0xF):
        c = echo(port)
        c.send_frame(op, b"x")
        expect_close(c, (1002,), f"4.x reserved opcode {op:#x}")
    # Masking: a client frame must be masked.
    c = echo(port)
    c.send_frame(OP_TEXT, b"unmasked", mask=False)
    expect_close(c, (1002,), "unmasked client frame")
    # The message limit (max_message: 65536).
    c = echo(port)
    c.send_frame(OP_TEXT, b"a" * 65537)
    expect_close(c, (1009,), "message over max_message")
    c = echo(port)
    c.send_frame(OP_TEXT, b"a" * 40000, fin=False)
    c.send_frame(OP_CONT, b"a" * 40000)
    expect_close(c, (1009,), "fragmented message over max_message")


def check_fragments(port):
    c = echo(port)
    c.send_frame(OP_TEXT, b"frag", fin=False)
    c.send_frame(OP_CONT, b"men", fin=False)
    c.send_frame(OP_CONT, b"ted")
    check(c.recv_data() == (OP_TEXT, b"fragmented"), "5.3 a text message in three fragments")
    c.send_frame(OP_BINARY, b"\x00\x01", fin=False)
    c.send_frame(OP_PING, b"mid")
    c.send_frame(OP_CONT, b"\x02")
    check(c.recv_message() == (OP_PONG, b"mid"), "5.6 a ping between fragments is answered at once")
    check(c.recv_data() == (OP_BINARY, b"\x00\x01\x02"), "5.6 then the whole message")
    for n in (1, 2, 5, 64):  # one message in n one-byte-or-more fragments
        text = b"abcdefghij" * 10
        parts = [text[i * len(text) // n:(i + 1) * len(text) // n] for i in range(n)]
        for i, part in enumerate(parts):
            c.send_frame(OP_TEXT if i == 0 else OP_CONT, part, fin=i == n - 1)
        check(c.recv_data() == (OP_TEXT, text), f"5.x {n} fragments")
    c.close()
    expect_close(c, (1000,), "close after fragments")
    c = echo(port)
    c.send_frame(OP_CONT, b"orphan")
    expect_close(c, (1002,), "5.9 a continuation with nothing to continue")
    c = echo(port)
    c.send_frame(OP_TEXT, b"a", fin=False)
    c.send_frame(OP_TEXT, b"b")
    expect_close(c, (1002,), "5.18 a new message before the fragmented one ended")
    c = echo(port)
    c.send_frame(OP_PING, b"a", fin=False)
    expect_close(c, (1002,), "5.1 a fragmented ping")


def check_utf8(port):
    c = echo(port)
    for text in ("κόσμε", "€", "𝄞 clef", "\u0000nul", "\U0010FFFF"):
        c.send_frame(OP_TEXT, text.encode())
        check(c.recv_data() == (OP_TEXT, text.encode()), f"6.x valid UTF-8 {text!r}")
    # Valid UTF-8 split inside a code point across fragments.
    data = "κόσμε".encode()
    c.send_frame(OP_TEXT, data[:3], fin=False)
    c.send_frame(OP_CONT, data[3:])
    check(c.recv_data() == (OP_TEXT, data), "6.2 a code point split across fragments")
    c.close()
    expect_close(c, (1000,), "close after UTF-8")
    for bad in (b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff", b"abc\xce"):
        c = echo(port)
        c.send_frame(OP_TEXT, bad)
        expect_close(c, (1007,), f"6.x invalid UTF-8 {bad!r}")
    c = echo(port)
    c.send_frame(OP_TEXT, b"ok\xce", fin=False)
    c.send_frame(OP_CONT, b"\xba\xff")
    expect_close(c, (1007,), "6.4 invalid UTF-8 in a later fragment")


def check_close(port):
    c = echo(port)
    c.close(None)
    code, _ = c.expect_close()
    check(code in (None, 1000), f"7.3.1 close without a code answered with {code}")
    c.shutdown()
    c = echo(port)
    c.close(1000, "bye".encode())
    expect_close(c, (1000,), "7.3.3 close with a reason")
    for code in (1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999):
        c = echo(port)
        c.close(code)
        expect_close(c, (code,), f"7.7 close code {code} echoed")
    for code in (0, 999, 1004, 1005, 1006, 1014, 1015, 1016, 1100, 2000, 2999):
        c = echo(port)
        c.close(code)
        expect_close(c, (1002,), f"7.9 invalid close code {code}")
    c = echo(port)
    c.send_frame(OP_CLOSE, b"\x03")
    expect_close(c, (1002,), "7.3.2 a one-byte close payload")
    c = echo(port)
    c.send_frame(OP_CLOSE, struct.pack("!H", 1000) + b"\xff\xfe")
    expect_close(c, (1002, 1007), "7.5.1 a close reason that is not UTF-8")
    c = echo(port)
    c.close(1000)
    c.send_text("after close")  # 7.1.3: ignored
    expect_close(c, (1000,), "7.1.3 data after the close")


def check_close_hook(port):
    """A client that sends its close frame and keeps the TCP socket open: on_close runs at once."""
    def closing():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/closing/count", timeout=10) as r:
            return json.loads(r.read())
    before = closing()["closes"]
    c = WsClient.connect(port, "/closing")
    c.close(1000, "leaving".encode())
    code, _ = c.expect_close()
    check(code == 1000, f"the close answered with {code}")
    t0 = time.time()
    got = closing()
    while got["closes"] == before and time.time() - t0 < 3:
        time.sleep(0.05)
        got = closing()
    check(got == {"closes": before + 1, "last": "1000 leaving"} and time.time() - t0 < 1,
          f"on_close after the close handshake, the client's socket still open: {got} after {time.time() - t0:.2f} s")
    check(c.closed_by_server(), "the server ends the TCP connection after the close handshake")
    c.shutdown()


def check_chat(port, server):
    a, b, c = (WsClient.connect(port, "/chat") for _ in range(3))
    ids = []
    for who, cl in (("a", a), ("b", b), ("c", c)):
        op, payload = cl.recv_data()
        msg = json.loads(payload)
        check(msg.get("type") == "welcome" and msg.get("id"), f"{who}: welcome {msg}")
        ids.append(msg.get("id"))
    check(len(set(ids)) == 3, f"three distinct ids {ids}")

    def send(cl, **m):
        cl.send_text(json.dumps(m))

    def recv(cl):
        return json.loads(cl.recv_data()[1])

    send(a, type="name", name="alice")
    check(recv(a) == {"type": "named", "name": "alice"}, "ws.data.name set in on_message")
    send(b, type="name", name="bob")
    recv(b)
    for cl, room in ((a, "r1"), (b, "r1"), (c, "r2")):
        send(cl, type="join", room=room)
        check(recv(cl) == {"type": "joined", "room": room}, f"joined {room}")
    send(a, type="say", room="r1", text="hi r1")
    check(recv(b) == {"type": "said", "from": "alice", "text": "hi r1"}, "b in r1 got a's message (ws.data kept)")
    # a (the sender, excepted) and c (another room) got nothing: the next message each gets is this.
    req = urllib.request.Request(f"http://127.0.0.1:{port}/rooms/r1/announce", data=b'{"text":"from POST"}',
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        check(json.loads(r.read()) == {"sent": True}, "POST announce")
    check(recv(a) == {"type": "announce", "text": "from POST"}, "a got the POST's broadcast_to, not its own message")
    check(recv(b) == {"type": "announce", "text": "from POST"}, "b got the POST's broadcast_to")
    send(c, type="all", text="everyone")
    for who, cl in (("a", a), ("b", b), ("c", c)):
        check(recv(cl) == {"type": "all", "from": "anon", "text": "everyone"}, f"{who} got broadcast()")
    send(b, type="leave", room="r1")
    check(recv(b) == {"type": "left", "room": "r1"}, "b left r1")
    send(a, type="say", room="r1", text="anyone?")
    send(c, type="all", text="second")
    check(recv(b) == {"type": "all", "from": "anon", "text": "second"}, "b, out of r1, did not get a's message")
    recv(a)
    recv(c)
    send(a, type="boom")
    m = recv(a)
    check(m.get("type") == "hook_error" and "boom" in m.get("error", ""), f"on_error after a throwing on_message: {m}")
    send(a, type="nope")
    check(recv(a).get("type") == "error", "still served after on_error")
    send(a, type="close")
    code, reason = a.expect_close()
    check((code, reason) == (4000, b"bye"), f"ws.close(4000, \"bye\"): {code} {reason!r}")
    a.close(4000)
    check(a.closed_by_server(), "the server ends the TCP connection after the close handshake")
    for cl in (b, c):
        cl.close()
        expect_close(cl, (1000,), "chat client close")


def check_idle(port):
    c = WsClient.connect(port, "/quiet")
    c.sock.settimeout(10)
    t0 = time.time()
    got_ping = False
    try:
        while True:
            fin, rsv, op, payload = c.recv_frame()
            if op == OP_PING:
                got_ping = True  # not answered: the client is "gone"
    except (Closed, OSError):
        pass
    took = time.time() - t0
    check(got_ping, "a quiet client was pinged (ping_interval 1 s)")
    check(1.5 <= took <= 6, f"a client that answers nothing was closed after {took:.1f} s (idle_timeout 2 s)")
    # A client that answers pings stays.
    c = WsClient.connect(port, "/quiet")
    c.sock.settimeout(10)
    t0 = time.time()
    pongs = 0
    while time.time() - t0 < 3.5:
        fin, rsv, op, payload = c.recv_frame()
        if op == OP_PING:
            c.send_frame(OP_PONG, payload)
            pongs += 1
    check(pongs >= 2, f"pings answered: {pongs}")
    c.close()
    expect_close(c, (1000,), "a client answering pings outlived idle_timeout")


def redis_subscribers(port, channel):
    """PUBSUB NUMSUB of `channel` on the redis-server at 127.0.0.1:port (RESP over a socket)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n${len(channel)}\r\n{channel}\r\n".encode())
        data = b""
        while data.count(b"\r\n") < 4:
            data += s.recv(4096)
    return int(data.split(b"\r\n")[3].lstrip(b":"))


def check_replicas(a, exe):
    """Three replicas on one redis-server: a broadcast_to made on replica C (a POST) and a broadcast
    from a client of replica B reach a client of replica A; the sender's own replica delivers once."""
    from e2e_redis import start_redis
    redis, rport = start_redis(os.path.join(a.out, "redis"))
    if not redis:
        return
    servers = []
    try:
        env = dict(os.environ, LUX_REALTIME_URL=f"redis://127.0.0.1:{rport}")
        ports = [free_port() for _ in range(3)]
        for i, port in enumerate(ports):
            servers.append(start_server(exe, port, env=env, log=os.path.join(a.out, f"replica{i}.log")))
        deadline = time.time() + 10
        while redis_subscribers(rport, "lux:realtime:ws_chat") < 3 and time.time() < deadline:
            time.sleep(0.05)  # each replica's subscriber thread subscribes after the server is ready
        check(redis_subscribers(rport, "lux:realtime:ws_chat") == 3, "three replicas subscribed to the realtime channel")
        ca = WsClient.connect(ports[0], "/chat")
        cb = WsClient.connect(ports[1], "/chat")
        for cl in (ca, cb):
            cl.recv_data()
        ca.send_text(json.dumps({"type": "join", "room": "lobby"}))
        check(json.loads(ca.recv_data()[1]) == {"type": "joined", "room": "lobby"}, "replica A: joined")
        req = urllib.request.Request(f"http://127.0.0.1:{ports[2]}/rooms/lobby/announce", data=b'{"text":"from C"}',
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()
        ca.sock.settimeout(5)
        check(json.loads(ca.recv_data()[1]) == {"type": "announce", "text": "from C"},
              "a client on replica A got the broadcast_to made on replica C")
        cb.send_text(json.dumps({"type": "all", "text": "from B"}))
        want = {"type": "all", "from": "anon", "text": "from B"}
        check(json.loads(ca.recv_data()[1]) == want, "a client on replica A got broadcast() from replica B")
        check(json.loads(cb.recv_data()[1]) == want, "the sender on replica B got its broadcast once")
        cb.send_text(json.dumps({"type": "nope"}))
        check(json.loads(cb.recv_data()[1]).get("type") == "error", "replica B: no second copy of its own broadcast")
        for cl in (ca, cb):
            cl.close()
            expect_close(cl, (1000,), "replica client close")
    finally:
        for sv in servers:
            stop_server(sv)
        redis.terminate()
        redis.wait(timeout=10)


def check_browser(a, port):
    """Headless Chromium (playwright-core, as e2e/openapi installs it) on a page of the server."""
    npm_dir = os.path.join(a.out, "npm")
    if not os.path.isdir(os.path.join(npm_dir, "node_modules", "playwright-core")):
        r = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", npm_dir, "playwright-core@1"],
                           capture_output=True, text=True, timeout=300)
        check(r.returncode == 0, f"npm install playwright-core: {r.stderr[-1000:]}")
    script = os.path.join(npm_dir, "ws_browser.js")  # beside node_modules, where require() looks
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ws_browser.js"), script)
    token = make_jwt({"sub": "browser", "exp": int(time.time()) + 600}, SECRET)
    r = subprocess.run(["node", script, f"http://127.0.0.1:{port}", token], capture_output=True, text=True,
                       timeout=120, cwd=npm_dir)
    check(r.returncode == 0, f"headless Chromium: {r.stderr[-2000:]}")
    got = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}
    check(got.get("welcome", {}).get("type") == "welcome", f"browser: welcome {got}")
    check(got.get("joined") == {"type": "joined", "room": "web"}, f"browser: joined {got}")
    check(got.get("said") == {"type": "said", "from": "anon", "text": "from the browser"}, f"browser: room message {got}")
    check(got.get("feed") == "authorized" and got.get("protocol") == "bearer", f"browser: bearer subprotocol {got}")
    check(got.get("closeCode") == 4000, f"browser: ws.close(4000) seen as {got.get('closeCode')}")


def run(a):
    p = build(a, program("ws_chat.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    port = free_port()
    env = dict(os.environ, LUX_DRAIN_TIMEOUT_MS="5000", PAGE_ORIGIN=f"http://127.0.0.1:{port}")
    server = start_server(exe, port, env=env, log=os.path.join(a.out, "server.log"))
    try:
        check_handshakes(port)
        check_auth(port)
        check_framing(port)
        check_fragments(port)
        check_utf8(port)
        check_close(port)
        check_close_hook(port)
        check_chat(port, server)
        check_idle(port)
        check_browser(a, port)
        # Graceful stop: an open connection gets close 1001, the server exits 0 promptly.
        c = WsClient.connect(port, "/chat")
        c.recv_data()
        t0 = time.time()
        server.send_signal(15)
        code, _ = c.expect_close()
        check(code == 1001, f"SIGTERM: close {code}, expected 1001")
        c.close(1001)
        c.shutdown()
        server.wait(timeout=15)
        check(server.returncode == 0, f"server exit {server.returncode}")
        check(time.time() - t0 < 4, f"stop took {time.time() - t0:.1f} s with an open WebSocket")
    finally:
        out = stop_server(server) if server.poll() is None else open(os.path.join(a.out, "server.log")).read()
    check("closed bob" in out or "closed anon" in out, "on_close ran (its print is in the log)")
    check("Segmentation" not in out and "terminate called" not in out, f"server crashed:\n{out[-2000:]}")
    check_replicas(a, exe)
