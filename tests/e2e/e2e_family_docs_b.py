"""e2e case `family_docs_b`: the family's server pages on databases, models, SSE, WebSocket and
several servers, written as those pages write them (programs/family_docs_b_*.lux), built and run
on loopback with real clients:
- database: `db.migrate()` as an item, a `db.exec` schema script (several statements, a `;` in a
  comment), `db.query`/`db.get`/`db.run` with parameters given one by one, `db.get` of no row is
  nil (a 404 by the handler's guard), a `db.transaction` that fails half way leaves nothing, and
  `withLock` read-modify-writes a counter under concurrent requests without losing one;
- models: CRUD handlers over `UserModel`, `paginate` (defaults, metadata, a page past the end),
  `find_by`, `count` with conditions, and the options `table`, `timestamps`, `belongs_to` and
  `has_many` with their accessors;
- SSE: an endpoint that sends and closes, a channel fed by a handler reaching an open stream,
  `channel.count()`;
- WebSocket: the chat room example (join, broadcast_to excluding the sender, leave, rooms);
- servers: `api` calls `realtime.notify(...)`, which broadcasts to a WebSocket client, and
  `worker` calls `api.get_users()`.
"""
import json
import os
import shutil
import threading
import time

from e2e import build, check, expect_json, free_port, program, request, start_server, stop_server
from e2e_sse import Stream, events
from wsclient import WsClient


def built(a, name):
    p = build(a, program(name))
    check(p.returncode == 0, f"luxc build {name} failed:\n{p.stderr}")
    return p.stdout.split() if p.returncode == 0 else []


def serve(exe, a, name, env=None):
    # A fresh directory: a database left by an earlier run (one stopped half-way) would hold its rows.
    d = os.path.join(a.out, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    port = free_port()
    return start_server(exe, port, env=env, cwd=d, name=name), port


def check_db(a):
    exes = built(a, "family_docs_b_db.lux")
    if not exes:
        return
    proc, port = serve(exes[0], a, "docs_b_db")
    if not proc:
        return
    try:
        for name, age, role in (("ada", 36, "admin"), ("bob", 17, "member"), ("cy", 41, "admin")):
            expect_json(port, "POST", "/users", 200, 1, {"name": name, "email": f"{name}@example.com", "age": age, "role": role})
        expect_json(port, "GET", "/users/adults", 200, [{"name": "ada"}, {"name": "cy"}])
        expect_json(port, "POST", "/deactivate", 200, {"changed": 1}, {"user_id": 3})
        expect_json(port, "GET", "/users/admins", 200, [{"name": "ada"}])
        expect_json(port, "GET", "/users/2", 200, {"name": "bob", "email": "bob@example.com"})
        expect_json(port, "GET", "/users/99", 404, {"error": "no user 99"})
        # The inventory holds one item: the second order fails at its UPDATE (CHECK count >= 0),
        # and its INSERT before it is rolled back with it.
        expect_json(port, "POST", "/orders", 201, {"placed": True}, {"user_id": 1, "total": 9.5, "item_id": 1})
        st, _, text = request(port, "POST", "/orders", {"user_id": 1, "total": 3.0, "item_id": 1})
        check(st == 500, f"a failing statement inside db.transaction: {st} {text}")
        expect_json(port, "GET", "/orders/counts", 200, {"orders": 1, "audit": 1, "stock": 0})
        # 40 concurrent read-modify-writes under withLock: none lost.
        statuses = []
        threads = [threading.Thread(target=lambda: statuses.append(request(port, "POST", "/counter")[0])) for _ in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(statuses == [200] * 40, f"counter requests: {statuses}")
        expect_json(port, "POST", "/counter", 200, {"count": 41})
    finally:
        stop_server(proc)


def check_models(a):
    exes = built(a, "family_docs_b_models.lux")
    if not exes:
        return
    proc, port = serve(exes[0], a, "docs_b_models")
    if not proc:
        return
    try:
        expect_json(port, "POST", "/api/companies", 201, {"id": 1, "name": "Acme"}, {"name": "Acme"})
        before = int(time.time() * 1000)
        st, _, text = request(port, "POST", "/api/users", {"name": "Alice", "email": "alice@example.com", "company_id": 1})
        check(st == 201, f"POST /api/users: {st} {text}")
        alice = json.loads(text) if st == 201 else {}
        check(alice.get("id") == 1 and alice.get("name") == "Alice", f"create returns the record with its id: {alice}")
        check(alice.get("created_at", 0) >= before and alice.get("updated_at") == alice.get("created_at"),
              f"timestamps set by create: {alice}")
        for i in range(2, 26):
            st, _, _ = request(port, "POST", "/api/users", {"name": f"u{i}", "email": f"u{i}@example.com", "company_id": 1 if i % 2 else 2})
            check(st == 201, f"create user {i}: {st}")
        expect_json(port, "GET", "/api/users/1", 200, lambda d: d["email"] == "alice@example.com")
        expect_json(port, "GET", "/api/users/99", 404, {"error": "User not found"})
        time.sleep(0.01)
        expect_json(port, "PUT", "/api/users/1", 200,
                    lambda d: d["name"] == "Alice Smith" and d["updated_at"] > d["created_at"] == alice["created_at"],
                    {"name": "Alice Smith"})
        expect_json(port, "GET", "/api/users/page?page=2&per_page=10", 200,
                    lambda d: [u["id"] for u in d["data"]] == list(range(11, 21)) and
                    (d["page"], d["perPage"], d["total"], d["totalPages"]) == (2, 10, 25, 3))
        expect_json(port, "GET", "/api/users/first-page", 200,
                    lambda d: len(d["data"]) == 20 and (d["page"], d["perPage"], d["totalPages"]) == (1, 20, 2))
        expect_json(port, "GET", "/api/users/page?page=9&per_page=500", 200,
                    lambda d: d["data"] == [] and d["perPage"] == 100 and d["totalPages"] == 1)
        expect_json(port, "GET", "/api/users/by-email?email=u7@example.com", 200, lambda d: d["id"] == 7)
        expect_json(port, "GET", "/api/users/by-email?email=nobody@example.com", 404, None)
        expect_json(port, "GET", "/api/users/stats", 200, {"total": 25, "in_acme": 13})
        expect_json(port, "POST", "/api/posts", 201, lambda d: d["id"] == 1, {"title": "Hello", "user_id": 1})
        expect_json(port, "POST", "/api/posts", 201, lambda d: d["id"] == 2, {"title": "Again", "user_id": 1})
        expect_json(port, "POST", "/api/posts", 201, lambda d: d["id"] == 3, {"title": "Other", "user_id": 2})
        expect_json(port, "GET", "/api/users/1/profile", 200,
                    lambda d: d["company"] == {"id": 1, "name": "Acme"} and d["titles"] == ["Hello", "Again"] and
                    d["colleagues"][:3] == ["Alice Smith", "u3", "u5"] and len(d["colleagues"]) == 13 and
                    d["first_post_by"] == "Alice Smith" and d["stamped"] is True)
        st, _, text = request(port, "DELETE", "/api/users/25")
        check(st == 204 and text == "", f"DELETE answers 204 without a body: {st} {text!r}")
        expect_json(port, "GET", "/api/users/25", 404, None)
        expect_json(port, "GET", "/tables", 200, [{"name": "app_users"}, {"name": "companies"}, {"name": "posts"}])
    finally:
        stop_server(proc)


def ws_json(c):
    _, payload = c.recv_data()
    return json.loads(payload)


def check_realtime(a):
    exes = built(a, "family_docs_b_realtime.lux")
    if not exes:
        return
    proc, port = serve(exes[0], a, "docs_b_realtime")
    if not proc:
        return
    try:
        s = Stream(port, "/events")
        check(s.read_until(lambda x: x.ended), "the /events stream ends after close()")
        got = [(e.get("type"), e.get("data")) for e in events(s.text())]
        check(got == [("connected", "Welcome"), ("update", "tick 0"), ("update", "tick 1"), ("update", "tick 2")], f"/events: {got}")
        s.close()
        feed = Stream(port, "/order-updates")
        check(feed.read_until(lambda x: "Listening for order updates" in x.text()), f"the open stream's first event: {feed.text()!r}")
        # The stream joins the channels when its handler returns, just after its first event: the
        # count says when (an order posted before would reach no stream).
        deadline = time.time() + 5
        while json.loads(request(port, "GET", "/api/subscribers")[2]) != {"count": 1} and time.time() < deadline:
            time.sleep(0.02)
        expect_json(port, "GET", "/api/subscribers", 200, {"count": 1})
        expect_json(port, "POST", "/api/orders", 201, {"id": 1, "item": "tea", "qty": 2}, {"item": "tea", "qty": 2})
        check(feed.read_until(lambda x: "new_order" in x.text()), f"the channel's event reaches the open stream: {feed.text()!r}")
        order = [e for e in events(feed.text()) if e.get("type") == "new_order"]
        check(order and json.loads(order[0]["data"]) == {"id": 1, "item": "tea", "qty": 2}, f"new_order data: {order}")
        feed.close()

        alice = WsClient.connect(port, "/ws")
        check(ws_json(alice) == {"type": "system", "text": "Welcome to the chat!"}, "alice's welcome")
        bob = WsClient.connect(port, "/ws")
        check(ws_json(bob) == {"type": "system", "text": "Welcome to the chat!"}, "bob's welcome")
        check(ws_json(alice) == {"type": "system", "text": "A new user joined"}, "alice hears bob join (bob does not)")
        bob.send_text(json.dumps({"type": "chat", "user": "bob", "text": "hi"}))
        check(ws_json(alice) == {"type": "chat", "user": "bob", "text": "hi"}, "bob's chat reaches alice")
        bob.send_text(json.dumps({"type": "join_room", "room": "ops"}))
        check(ws_json(bob) == {"type": "system", "text": "Joined room: ops"}, "bob moves to ops")
        bob.send_text(json.dumps({"type": "dance"}))
        check(ws_json(bob) == {"type": "error", "text": "Unknown message type"}, "an unknown type")
        alice.send_text(json.dumps({"type": "chat", "user": "alice", "text": "anyone?"}))
        alice.send_text(json.dumps({"type": "nope"}))
        check(ws_json(alice) == {"type": "error", "text": "Unknown message type"}, "alice's own chat is not echoed to her")
        bob.send_text(json.dumps({"type": "nope"}))
        check(ws_json(bob) == {"type": "error", "text": "Unknown message type"}, "bob (left general) did not get alice's chat")
        bob.close()
        check(ws_json(alice) == {"type": "system", "text": "A user left the chat"}, "alice hears bob leave")
        alice.close()
    finally:
        stop_server(proc)


def check_servers(a):
    exes = {os.path.basename(x): x for x in built(a, "family_docs_b_servers.lux")}
    if not exes:
        return
    ports = {name: free_port() for name in ("api", "realtime", "worker")}
    env = dict(os.environ, LUX_JOBS_PATH=":memory:",
               LUX_SERVICE_REALTIME_URL=f"http://127.0.0.1:{ports['realtime']}",
               LUX_SERVICE_API_URL=f"http://127.0.0.1:{ports['api']}")
    procs = []
    try:
        for name in ("realtime", "api", "worker"):
            d = os.path.join(a.out, f"docs_b_{name}")
            shutil.rmtree(d, ignore_errors=True)  # fresh, as in serve()
            os.makedirs(d)
            procs.append(start_server(exes[f"family_docs_b_servers-{name}"], ports[name], env=env, cwd=d, name=name))
        if not all(procs):
            return
        listener = WsClient.connect(ports["realtime"], "/ws")
        expect_json(ports["api"], "POST", "/api/users", 200, {"id": 1, "name": "Ada", "email": "ada@example.com"},
                    {"name": "Ada", "email": "ada@example.com"})
        check(ws_json(listener) == {"event": "user_joined", "message": "Ada"}, "api → realtime.notify → the WebSocket client")
        expect_json(ports["worker"], "GET", "/report", 200, {"total": 1})
        listener.close()
    finally:
        for p in procs:
            if p and p.poll() is None:
                stop_server(p)


def run(a):
    os.makedirs(a.out, exist_ok=True)
    check_db(a)
    check_models(a)
    check_realtime(a)
    check_servers(a)
