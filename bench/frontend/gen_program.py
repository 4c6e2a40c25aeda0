#!/usr/bin/env python3
"""Writes a valid Lux program of about N lines built from the seed programs' constructs
(shared records and enums, env, db/model, routes, typed handlers, match, pipes, lambdas,
string interpolation, background fns, cron schedules, subscribe/publish, middleware).
Usage: gen_program.py LINES > big.lux"""
import sys

target = int(sys.argv[1]) if len(sys.argv) > 1 else 10000

SHARED = """shared {{
  type Metric{i} {{
    service: String
    name: String
    value: Float
    timestamp: String
    tags: [String]
  }}

  type Severity{i} {{ Info, Warning, Critical }}
}}
"""

SERVER_HEAD = """
server "svc{s}" {{
  env PORT: Int = {port}
  env RETENTION_HOURS: Int = 24
  env WEBHOOK: Option<String> = None

  db {{ path: "./svc{s}.db" }}

  model MetricRecord{s} {{
    service: String
    name: String
    value: Float
    timestamp: String
    tags: String
  }}

  middleware fn trace{s}(req, next) {{
    rid = __getRequestId()
    print("[{{rid}}] {{req.method}} {{req.url}}")
    result = next(req)
    result
  }}
"""

UNIT = """
  /// Returns the metrics of service {k}, newest first.
  fn list_{k}(service: Option<String>, limit_count: Option<Int>) {{
    results = MetricRecord{s}.all()
    filtered = match service {{
      Some(name) => results |> filter(fn(m) m.service == name)
      None => results
    }}
    filtered
      |> sort_by(fn(a, b) b.value - a.value)
      |> take(limit_count |> unwrapOr(100))
  }}

  fn summary_{k}(values: [Float]) -> Float {{
    var total = 0.0
    for v in values {{
      if v > 100.0 {{
        total = total + v * 2.0
      }} elif v < 0.0 {{
        total = total - v
      }} else {{
        total = total + v
      }}
    }}
    total / (values |> len() |> to_float())
  }}

  background fn aggregate_{k}(service: String, window_minutes: Int) {{
    metrics = MetricRecord{s}.where({{ service: service }})
    values = metrics |> map(fn(m) m.value)
    print("aggregate {{service}} over {{window_minutes}}m: {{values |> len()}} values")
  }}

  schedule "*/{minute} * * * *" fn tick_{k}() {{
    spawn_job("aggregate_{k}", "svc{s}", {minute})
    publish("tick_{k}", {{ at: Date.now(), label: "tick {k}" }})
  }}

  subscribe "tick_{k}" fn(data) {{
    print("tick {{data.label}} at {{data.at}}")
  }}

  route GET "/api/{k}/metrics" => list_{k}
"""

out = []
i = 0
out.append(SHARED.format(i=0))
lines = sum(x.count("\n") for x in out)
s = 0
while lines < target:
    head = SERVER_HEAD.format(s=s, port=3000 + s)
    out.append(head)
    lines += head.count("\n")
    k = 0
    while k < 40 and lines < target:
        unit = UNIT.format(s=s, k=f"{s}_{k}", minute=(k % 59) + 1)
        out.append(unit)
        lines += unit.count("\n")
        k += 1
    out.append("}\n")
    lines += 1
    s += 1
sys.stdout.write("".join(out))
