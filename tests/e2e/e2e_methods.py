"""e2e case `methods`: methods on the program's records and enums (`impl`, `interface`, `trait`),
written as the family writes them (programs/methods.lux):
- a method with `self` is called on a value (`p.distance(q)`), one without on the type
  (`Point.origin()`); a method returning `Self` gives a value of the impl's type whose own methods
  chain (`p.scale(2.0).to_string()` is "(6.0, 8.0)"); a method of a plain impl that leaves out
  `self` but reads it still takes the value (`p.sum()` is 7.0);
- an enum's method matches on `self` (`Circle(1.0).area()` is 3.0, `Rect(3.0, 4.0).area()` 12.0);
- `impl Trait for T` writes what the interface/trait asks with an implicit `self`; a trait's
  default method is inherited by an implementation that leaves it out ("A point 3.0") and
  replaced by one that writes it ("A shape of area 12.0");
- the program's method wins over the built-in of the same name: `p.to_string()` is the program's,
  `5.to_string()` the built-in "5";
- in untyped code the method is chosen when it runs by the value's shape: a mixed list of
  records and enum variants renders each with its own `render` (HTML; an object of the client's of no type's shape is a 400), the program's `to_string`
  or the built-in, a trait default or its override; a JSON object from the body with exactly a
  record's fields takes that record's method, and one with no program type's shape fails as the
  program's error (500, the log naming the method); an unannotated method result chains
  (`b.scale(2.0).to_string()` is "3.0x4.0");
- an `impl` inside `server { }` reads the server's current `var`s (the label prefix of a done
  task follows POST /prefix), its methods call each other through `self` and return a record
  spread (`{ ...self, done: true }`); routes map, find and complete a `[Task]` list with them;
  an id naming no task answers the program's 404 JSON.
"""
from e2e import build, check, expect_json, free_port, program, request, start_server, stop_server


def run(a):
    p = build(a, program("methods.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.split()[0]
    port = free_port()
    proc = start_server(exe, port, cwd=a.out)
    out = ""
    try:
        expect_json(port, "GET", "/points", 200, {
            "distance": 5.0, "scaled": "(6.0, 8.0)", "text": "(3.0, 4.0)", "five": "5", "sum": 7.0,
            "name": "point 3.0", "description": "A point 3.0"})
        expect_json(port, "GET", "/shapes", 200, {
            "areas": [3.0, 12.0], "descriptions": ["A shape of area 3.0", "A shape of area 12.0"]})
        expect_json(port, "GET", "/untyped", 200, {
            "shown": ["(1.0, 2.0)", "5", "1.0x2.0"], "described": ["A point 1.0", "A shape of area 2.0"]})
        expect_json(port, "GET", "/boxes", 200, {"scaled": "3.0x4.0"})

        expect_json(port, "GET", "/render", 200, {"html": "<h1>Hi</h1>\n<p>text</p>"})
        expect_json(port, "GET", "/render/blocks", 200,
                    {"html": "<p>a</p>\n<hr>\n<blockquote>b</blockquote>\n<h2>c</h2>"})
        expect_json(port, "POST", "/render", 200, {"html": "<h3>Top</h3>\n<p>body</p>"},
                    {"elements": [{"level": 3, "text": "Top"}, {"text": "body"}]})
        st, _, text = request(port, "POST", "/render", {"elements": [{"text": "body", "extra": 1}]})
        # The client sent an object of no program type's shape: its mistake, a 400 naming it.
        check(st == 400 and "no type of the program with that method has its shape" in text,
              f"POST /render with an object of no program type's shape: status {st} (body {text})")

        expect_json(port, "GET", "/tasks", 200, [])
        expect_json(port, "POST", "/tasks", 201, {"id": 1, "label": "[ ] write"}, {"title": "write"})
        expect_json(port, "POST", "/tasks", 201, {"id": 2, "label": "[ ] ship"}, {"title": "ship"})
        expect_json(port, "POST", "/tasks/1/done", 200, {"id": 1, "done": True, "label": "[x] write"})
        expect_json(port, "GET", "/tasks", 200, ["[x] write", "[ ] ship"])
        expect_json(port, "GET", "/tasks/1", 200, {"id": 1, "label": "[x] write"})
        expect_json(port, "GET", "/tasks/2", 200, {"id": 2, "label": "[ ] ship"})
        expect_json(port, "POST", "/prefix", 200, ["[done] write", "[ ] ship"], {"prefix": "[done]"})
        expect_json(port, "GET", "/tasks/1", 200, {"id": 1, "label": "[done] write"})

        expect_json(port, "POST", "/tasks/9/done", 404, {"error": "task 9 not found"})
        expect_json(port, "GET", "/tasks/9", 404, {"error": "task 9 not found"})
        expect_json(port, "GET", "/tasks", 200, ["[done] write", "[ ] ship"])
    finally:
        out = stop_server(proc)
    check("cannot call method `render`" in out,
          f"the log names the method no type of that shape has:\n{out[-2000:]}")
