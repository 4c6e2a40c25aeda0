"""e2e case `client_bodies`: what the client sends in a body, read by handler parameters and
given to model calls (programs/client_bodies.lux). Every mistake of the client answers 400 in the
one error shape naming the field, never a 500:
- handler parameters read from the body's fields: a list of records, a list of scalars (with a
  default), an Option of a record, a list of enum values; each checked element by element and
  field by field (the path in the message: `lines[0].qty`), then converted (defaults filled);
- a list of records that is the only body parameter is the whole body (checked the same way), a
  record alone is the whole body as before;
- `UserModel.create(req.body)` and `UserModel.update(id, req.body)`: not an object, an unknown
  key, a value of the wrong type, a missing field, `id` in an update are 400s naming
  `req.body.<field>`; an update of an id no record has is 404; the same mistake in a value the
  program built is its own error (500);
- a value the client sent keeps that origin through helpers without types, lists and objects:
  a text that is not a number, a field of the wrong kind or missing, a list that is not one, an
  object's key of the wrong kind are 400s naming what was wrong; the same helper given the
  program's own value fails with 500;
- the predicates of filter/find/some/every/findIndex keep the truthy values (JavaScript's
  `xs.filter(x => x)`) of the client's JSON and of Options.
"""
import http.client
import json
import os

from e2e import build, check, free_port, program, start_server, stop_server


def call(port, method, path, body=None, raw=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data is not None else {})
        r = conn.getresponse()
        text = r.read().decode()
        try:
            return r.status, json.loads(text)
        except ValueError:
            return r.status, {"raw": text}
    finally:
        conn.close()


def ok(port, method, path, body, status, want):
    st, got = call(port, method, path, body)
    check(st == status and got == want, f"{method} {path} {body}: {st} {got}, expected {status} {want}")


def bad(port, method, path, body, status, message, details=None):
    """`status` with exactly {error: message, details?, request_id}."""
    st, got = call(port, method, path, body)
    what = f"{method} {path} {json.dumps(body)}"
    check(st == status, f"{what}: status {st}, expected {status} ({got})")
    keys = {"error", "request_id"} | ({"details"} if details is not None else set())
    check(set(got) == keys, f"{what}: keys {sorted(got)}, expected {sorted(keys)} ({got})")
    check(got.get("error") == message, f"{what}: error {got.get('error')!r}, expected {message!r}")
    if details is not None:
        check(got.get("details") == details, f"{what}: details {got.get('details')!r}, expected {details!r}")


def errors(field, *triples):
    return {"field": field, "errors": [{"path": p, "expected": e, "found": f} for p, e, f in triples]}


def body_parameters(port):
    ok(port, "POST", "/orders", {"customer": "c", "lines": [{"sku": "a", "qty": 2}]}, 200, {"customer": "c", "n": 1, "qty": 2})
    ok(port, "POST", "/orders", {"customer": "c", "lines": [{"sku": "a", "qty": 2, "note": "x"}, {"sku": "b", "qty": 3}]}, 200,
       {"customer": "c", "n": 2, "qty": 5})
    bad(port, "POST", "/orders", {"customer": "c", "lines": [{"sku": "a", "qty": "x"}]}, 400,
        'body field `lines[0].qty`: expected an Int, found a String "x"', errors("lines", ("lines[0].qty", "an Int", 'a String "x"')))
    bad(port, "POST", "/orders", {"customer": "c", "lines": [{"qty": 2}]}, 400,
        "body field `lines[0].sku`: expected a value (required), found nothing",
        errors("lines", ("lines[0].sku", "a value (required)", "nothing")))
    bad(port, "POST", "/orders", {"customer": "c", "lines": {"sku": "a", "qty": 1}}, 400,
        'body field `lines`: expected a list, found an object {"sku":"a","qty":1}',
        errors("lines", ("lines", "a list", 'an object {"sku":"a","qty":1}')))
    bad(port, "POST", "/orders", {"customer": "c"}, 400, "missing body field `lines`", {"field": "lines"})
    leaf = lambda v: {"value": v, "label": "none", "children": []}
    ok(port, "POST", "/tree", {"value": 1, "children": [{"value": 2, "zzz": 1, "children": [{"value": 3}]}]}, 200,
       {"tree": {"value": 1, "label": "none", "children": [dict(leaf(2), children=[leaf(3)])]}, "depth": 3, "first": "NONE"})
    bad(port, "POST", "/tree", {"value": 1, "children": [{"value": 2, "children": [{"value": "x"}]}]}, 400,
        'invalid request body: body.children[0].children[0].value: expected an Int, found a String "x"',
        {"errors": [{"path": "body.children[0].children[0].value", "expected": "an Int", "found": 'a String "x"'}]})
    bad(port, "POST", "/orders", {"lines": []}, 400, "missing body field `customer`")

    ok(port, "POST", "/tags", {"tags": ["a", "b"], "counts": [1, 2]}, 200, {"n": 2, "up": ["A", "B"], "total": 3})
    ok(port, "POST", "/tags", {"tags": ["a"]}, 200, {"n": 1, "up": ["A"], "total": 0})
    # A whole Float is an Int (Python's json.dumps writes 12.0); a fraction is not.
    ok(port, "POST", "/tags", {"tags": ["a"], "counts": [1.0, 2]}, 200, {"n": 1, "up": ["A"], "total": 3})
    ok(port, "POST", "/line", {"sku": "a", "qty": 2.0}, 200, {"sku": "a", "qty": 2})
    ok(port, "POST", "/count", {"n": 12.0}, 200, {"n": 13})
    bad(port, "POST", "/count", {"n": 12.5}, 400, "body field `n`: expected Int, got Float")
    bad(port, "POST", "/tags", {"tags": "hello"}, 400, 'body field `tags`: expected a list, found a String "hello"',
        errors("tags", ("tags", "a list", 'a String "hello"')))
    bad(port, "POST", "/tags", {"tags": ["a"], "counts": [1, "x"]}, 400,
        'body field `counts[1]`: expected an Int, found a String "x"', errors("counts", ("counts[1]", "an Int", 'a String "x"')))
    bad(port, "POST", "/tags", {"tags": [1, 2]}, 400, "body field `tags[0]`: expected a String, found an Int 1 (and 1 more)",
        errors("tags", ("tags[0]", "a String", "an Int 1"), ("tags[1]", "a String", "an Int 2")))

    ok(port, "POST", "/ship", {"name": "n", "addr": {"city": "Oslo"}}, 200, {"name": "n", "city": "Oslo", "zip": "", "sizes": []})
    ok(port, "POST", "/ship", {"name": "n", "addr": None, "sizes": ["Large"]}, 200,
       {"name": "n", "city": "none", "zip": "", "sizes": ["Large"]})
    bad(port, "POST", "/ship", {"name": "n", "addr": {"city": 1}}, 400, "body field `addr.city`: expected a String, found an Int 1",
        errors("addr", ("addr.city", "a String", "an Int 1")))
    bad(port, "POST", "/ship", {"name": "n", "sizes": ["Small", "Huge"]}, 400,
        'body field `sizes[1]`: expected one of Small, Large, found a String "Huge"',
        errors("sizes", ("sizes[1]", "one of Small, Large", 'a String "Huge"')))

    ok(port, "POST", "/lines", [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}], 200, {"n": 2})
    bad(port, "POST", "/lines", {"sku": "a", "qty": 1}, 400,
        'invalid body parameter `lines`: body: expected a list, found an object {"sku":"a","qty":1}',
        {"errors": [{"path": "body", "expected": "a list", "found": 'an object {"sku":"a","qty":1}'}]})
    ok(port, "POST", "/line", {"sku": "a", "qty": 3}, 200, {"sku": "a", "qty": 3})


def model_calls(port):
    al = {"id": 1, "name": "Al", "email": "a@x", "age": 0}
    ok(port, "POST", "/users", {"name": "Al", "email": "a@x"}, 201, al)
    fields = "(fields: name, email, age)"
    bad(port, "POST", "/users", {"name": "Al"}, 400, "`req.body.email`: missing: User.create needs it", {"field": "req.body.email"})
    bad(port, "POST", "/users", {"name": 123, "email": "e"}, 400, "`req.body.name`: expected String, got Int",
        {"field": "req.body.name"})
    bad(port, "POST", "/users", {"name": "a", "email": "e", "role": "admin"}, 400,
        f"`req.body.role`: not a field of User {fields}", {"field": "req.body.role"})
    bad(port, "POST", "/users", [1, 2], 400, "`req.body`: expected an object of User's fields, found a list", {"field": "req.body"})
    # The id is the database's: one the client sends is ignored.
    ok(port, "POST", "/users", {"id": 7, "name": "Bea", "email": "b@x", "age": 30}, 201,
       {"id": 2, "name": "Bea", "email": "b@x", "age": 30})

    ok(port, "PUT", "/users/1", {"name": "Bo"}, 200, dict(al, name="Bo"))
    bad(port, "PUT", "/users/1", {"nme": "x"}, 400, f"`req.body.nme`: not a field of User {fields}", {"field": "req.body.nme"})
    bad(port, "PUT", "/users/1", {"age": "old"}, 400, "`req.body.age`: expected Int, got String", {"field": "req.body.age"})
    bad(port, "PUT", "/users/1", {"id": 5}, 400, "`req.body.id`: the id of a User cannot be changed", {"field": "req.body.id"})
    bad(port, "PUT", "/users/999", {"name": "x"}, 404, "User.update: no User with id 999")
    ok(port, "PUT", "/users/1", {}, 200, dict(al, name="Bo"))  # nothing to change: the record as it is
    # Nothing the client got wrong was stored.
    st, got = call(port, "PUT", "/users/2", {"age": 31})
    check(st == 200 and got == {"id": 2, "name": "Bea", "email": "b@x", "age": 31}, f"PUT /users/2: {st} {got}")
    # Fields spread from the client's object (Express's `{ ...req.body, extra }`) are checked the same way.
    ok(port, "POST", "/users/spread", {"name": "Cy", "email": "c@x"}, 201, {"id": 3, "name": "Cy", "email": "c@x", "age": 7})
    bad(port, "POST", "/users/spread", {"name": "Cy"}, 400, "User.create: field `email` of User is missing")
    bad(port, "POST", "/users/spread", {"name": "Cy", "email": "c@x", "role": "admin"}, 400,
        "User.create: `role` is not a field of User (fields: id, name, email, age)")
    bad(port, "POST", "/users/spread", {"name": 5, "email": "c@x"}, 400, "User.create: field `name` of User must be a String, got Int")
    # The program's own value that does not fit the model is its error.
    bad(port, "POST", "/users/own", None, 500, "internal server error")


def untyped_helpers(port):
    ok(port, "POST", "/shape", {"radius": 2, "label": " x "}, 200, {"area": 4.0, "label": "x"})
    bad(port, "POST", "/shape", {"radius": "abc", "label": "x"}, 400, 'to_float: "abc" is not a number')
    bad(port, "POST", "/shape", {"radius": 2, "label": {"a": 1}}, 400, "expected String, got Object")
    bad(port, "POST", "/shape", {"radius": 2}, 400, "expected String, got Null")
    bad(port, "POST", "/shape", [1, 2], 400, "cannot read field `radius` of Array")
    ok(port, "POST", "/total", {"items": [{"qty": 1}, {"qty": 2}]}, 200, {"total": 3})
    bad(port, "POST", "/total", {"items": [{"qty": "a"}]}, 400, 'to_int: "a" is not a number')
    bad(port, "POST", "/total", {"items": 5}, 400, "cannot iterate over Int")
    ok(port, "POST", "/role", {"username": "alice"}, 200, {"role": "admin"})
    bad(port, "POST", "/role", {"username": 5}, 400, "cannot index Object with Int")
    bad(port, "GET", "/own", None, 500, "internal server error")
    ok(port, "POST", "/kept", {"sku": "ab", "qty": 1}, 200, {"skus": ["AB"]})
    bad(port, "POST", "/kept", {"sku": 7, "qty": 1}, 400, "`line`: field `sku`: expected String, got Int", {"field": "line"})
    ok(port, "POST", "/kept", {"sku": "cd", "qty": 2}, 200, {"skus": ["AB", "CD"]})
    common = {"names": ["ann", "bo"], "counts": 2, "present": [1, 3]}
    ok(port, "POST", "/truthy", {"a": 1, "b": 0, "items": [0, "", None, False, "x", 2, {}, []]}, 200,
       {**common, "flags": [1], "kept": ["x", 2, {}, []], "first": "x", "some": True, "every": False, "at": 4})
    ok(port, "POST", "/truthy", {"a": "y", "b": True, "items": [1]}, 200,
       {**common, "flags": ["y", True], "kept": [1], "first": 1, "some": True, "every": True, "at": 0})
    ok(port, "POST", "/truthy", {"items": [0, ""]}, 200,
       {**common, "flags": [], "kept": [], "first": None, "some": False, "every": False, "at": None})


def run(a):
    p = build(a, program("client_bodies.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    data = os.path.join(a.out, "data")
    os.makedirs(data, exist_ok=True)
    for f in os.listdir(data):
        os.remove(os.path.join(data, f))
    port = free_port()
    proc = start_server(exe, port, cwd=data, name="client_bodies")
    try:
        body_parameters(port)
        model_calls(port)
        untyped_helpers(port)
    finally:
        out = stop_server(proc)
    check("User.create: field `name` of User must be a String" in out, f"the program's own mistake is logged:\n{out}")
