"""e2e case `json_places`: what the client sends (`req.body`, `req.query`, `req.params`) used where
the program declares a type, written as the family writes it (programs/json_places.lux):
- in an argument, a positional record, a record literal, a typed binding, a list field and an
  Option field it becomes a value of that type: `"2"` from the query is the Int 2, a body's
  `"Open"` is the enum's variant, an absent Option field is None;
- `t.id == req.params.id` finds the task whose Int id the path spells; an id that spells no Int
  finds none (404, not 400 or 500);
- `req.query.n > 5`, `n * 2`, `n + 1`, `abs(...)` compute with the number the text spells;
- a value that does not fit its place answers 400 naming the place as the program reads it
  (`req.body.title`, `req.query.limit`, `req.body.tags`), and the failed request changes nothing;
- a JSON document parsed from the client's text (`JSON.parse(text).weight` returned as an Int, the
  text from the query through a typed helper) fails as the client's error (400) when its part
  does not fit: what the client sent stays the client's.
"""
import json
import urllib.parse

from e2e import build, check, expect_json, free_port, program, request, start_server, stop_server


def error_of(port, method, path, body=None):
    st, _, text = request(port, method, path, body)
    try:
        return st, json.loads(text)
    except ValueError:
        return st, {"raw": text}


def run(a):
    p = build(a, program("json_places.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.split()[0]
    port = free_port()
    proc = start_server(exe, port, cwd=a.out)
    try:
        one = {"id": 1, "title": "write", "status": "Open", "tags": ["a", "b"], "due": 17}
        expect_json(port, "POST", "/tasks", 201, one, {"title": "write", "tags": ["a", "b"], "due": 17})
        two = {"id": 2, "title": "ship", "status": "Done", "tags": [], "due": None}
        expect_json(port, "POST", "/tasks", 201, two, {"title": "ship", "status": "Done"})
        # A number where text is declared is its text; text that spells a number is not an Int list element.
        expect_json(port, "POST", "/tasks", 201, lambda b: b["title"] == "42" and b["id"] == 3, {"title": 42})

        for body, place in [({"status": "Open"}, "req.body.title"), ({"title": "x", "status": "Later"}, "req.body.status"),
                            ({"title": "x", "tags": [1]}, "req.body.tags"), ({"title": "x", "due": "soon"}, "req.body.due")]:
            st, err = error_of(port, "POST", "/tasks", body)
            check(st == 400 and err.get("details", {}).get("field") == place and f"`{place}`" in err.get("error", ""),
                  f"POST /tasks {body}: 400 naming {place}, got {st} {err}")
        expect_json(port, "GET", "/tasks?limit=100", 200, lambda b: len(b) == 3)

        expect_json(port, "GET", "/tasks/2", 200, two)
        st, err = error_of(port, "GET", "/tasks/abc")
        check(st == 404 and err == {"error": "task abc not found"}, f"an id that spells no Int finds nothing: {st} {err}")
        expect_json(port, "GET", "/tasks/9", 404, {"error": "task 9 not found"})

        expect_json(port, "GET", "/tasks?limit=1&page=2", 200, [two])
        expect_json(port, "GET", "/tasks?limit=2", 200, lambda b: [t["id"] for t in b] == [1, 2])
        st, err = error_of(port, "GET", "/tasks?limit=ten")
        check(st == 400 and err.get("details", {}).get("field") == "req.query.limit" and "\"ten\"" in err.get("error", ""),
              f"a limit that is no Int: 400 naming req.query.limit, got {st} {err}")
        st, err = error_of(port, "GET", "/tasks?page=first")
        check(st == 400 and err.get("details", {}).get("field") == "req.query.page", f"a page that is no number: {st} {err}")

        expect_json(port, "PUT", "/tasks/1", 200, dict(one, title="rewrite", status="Done"), {"title": "  rewrite ", "status": "Done"})
        st, err = error_of(port, "PUT", "/tasks/1", {"title": "x", "status": "Gone"})
        check(st == 400 and err.get("details", {}).get("field") == "req.body.status", f"PUT with no such status: {st} {err}")
        expect_json(port, "GET", "/tasks/1", 200, dict(one, title="rewrite", status="Done"))
        expect_json(port, "PUT", "/tasks/77", 404, {"error": "not found"}, {"title": "x", "status": "Done"})

        expect_json(port, "POST", "/tasks/bulk", 200, {"count": 5}, {"tasks": [{"title": "p"}, {"title": "q"}]})
        st, err = error_of(port, "POST", "/tasks/bulk", {"tasks": [{"title": None}]})
        check(st == 400 and err.get("details", {}).get("field") == "t.title", f"a bulk task without a title: {st} {err}")

        doc = urllib.parse.quote(json.dumps({"weight": 3}))
        expect_json(port, "GET", f"/math?n=7&size=-2.5&doc={doc}", 200,
                    {"big": True, "twice": 14, "next": 8, "size": 2.5, "weight": 3})
        expect_json(port, "GET", "/math?n=2.5&size=4", 200,
                    {"big": False, "twice": 5.0, "next": 3.5, "size": 4, "weight": 3})
        st, err = error_of(port, "GET", f"/math?n=many&size=1&doc={doc}")
        check(st == 400 and err.get("details", {}).get("field") == "req.query.n", f"n that is no number: {st} {err}")
        heavy = urllib.parse.quote(json.dumps({"weight": "heavy"}))
        st, err = error_of(port, "GET", f"/math?n=1&size=1&doc={heavy}")
        # The document is the client's text (`?doc=`) given to a typed helper: what the client sent
        # stays the client's through it, so the part that does not fit is a 400.
        check(st == 400 and err.get("error") == 'expected an Int, found "heavy"',
              f"a part of the client's JSON text that does not fit is the client's error: {st} {err}")
    finally:
        stop_server(proc)
