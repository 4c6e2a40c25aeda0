"""e2e case `tracing`: OpenTelemetry traces and JSON logs across two servers (programs/tracing.lux).

A stand-in OTLP collector (a Python HTTP server on loopback, started here) records the spans the
servers POST to /v1/traces, in OTLP protobuf (the default protocol, read by otlp_proto.py) or
JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json). One request to the shop (a query, an RPC to the pricing server, a
job that fetches the pricing server, an event the pricing server stores) must give ONE trace whose
spans form the right tree across both processes; the JSON log lines written while serving must
name the exported spans; service.name is the server's name in the program (`shop`, not the
executable's `tracing-shop`) unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name it. Then:
sampling off sends nothing; http/json sends the same spans as JSON; `grpc` stops the start with
one clear line; an unreachable collector leaves every request served, the spans dropped and one
log line about it.
"""
import json
import os
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from e2e import build, check, expect_json, free_port, request, start_server, stop_server
from otlp_proto import decode_export


class Collector:
    """Records every span POSTed to /v1/traces, with the service it came from."""

    def __init__(self):
        self.spans = []
        self.posts = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = 200
                try:
                    doc = decode_export(self.headers.get("Content-Type"), body)
                    with outer.lock:
                        outer.posts.append({"path": self.path, "headers": dict(self.headers), "doc": doc})
                        for rs in doc["resourceSpans"]:
                            res = {a["key"]: a["value"].get("stringValue") for a in rs["resource"]["attributes"]}
                            for ss in rs["scopeSpans"]:
                                for sp in ss["spans"]:
                                    sp["_service"] = res.get("service.name")
                                    sp["_resource"] = res
                                    sp["_attrs"] = {a["key"]: next(iter(a["value"].values())) for a in sp.get("attributes", [])}
                                    outer.spans.append(sp)
                except (ValueError, KeyError) as e:
                    print("collector: bad body:", e)
                    status = 400
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def snapshot(self):
        with self.lock:
            return list(self.spans)

    def wait_for(self, pred, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            spans = self.snapshot()
            if pred(spans):
                return spans
            time.sleep(0.1)
        return self.snapshot()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def one(spans, name, service):
    found = [s for s in spans if s["name"] == name and s["_service"] == service]
    check(len(found) == 1, f"one span `{name}` from {service}: {len(found)} in {[(s['name'], s['_service']) for s in spans]}")
    return found[0] if found else None


def child_of(span, parent, what):
    if span and parent:
        check(span.get("parentSpanId") == parent["spanId"] and span["traceId"] == parent["traceId"],
              f"{what}: `{span['name']}` is a child of `{parent['name']}`: {span.get('parentSpanId')} != {parent['spanId']}"
              f" (spans: {[(s['name'], s['spanId']) for s in (span, parent)]})")


def json_lines(out, what):
    """Every line of a server's output parsed as JSON (a failed check names one that is not)."""
    rows = []
    for line in out.splitlines():
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            check(False, f"{what}: a line that is not JSON: {line!r}")
    return rows


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, os.path.join(a.root, "tests", "e2e", "programs", "tracing.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    work = os.path.join(a.out, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    collector = Collector()
    try:
        traced(a, exes, work, collector)
        sampling_off(exes, work, collector)
        service_names(exes, work, collector)
        grpc_refused(exes, work, collector)
        unreachable(exes, work)
    finally:
        collector.close()


def servers_env(collector_url, shop_port, pricing_port, **extra):
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_LOG_FORMAT="json", OTEL_BSP_SCHEDULE_DELAY="100",
               LUX_SERVICE_PRICING_URL=f"http://127.0.0.1:{pricing_port}",
               LUX_PEER_PRICING_URL=f"http://127.0.0.1:{pricing_port}",
               PRICING_HEALTH=f"http://127.0.0.1:{pricing_port}/health")
    for k in [k for k in env if k.startswith("OTEL_")]:
        if k != "OTEL_BSP_SCHEDULE_DELAY":
            del env[k]
    if collector_url:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector_url
    env.update(extra)
    return env


def traced(a, exes, work, collector):
    shop_port, pricing_port = free_port(), free_port()
    env = servers_env(collector.url(), shop_port, pricing_port, OTEL_EXPORTER_OTLP_HEADERS="x-collector-token=s3cret")
    pricing = start_server(exes["tracing-pricing"], pricing_port, env=env, cwd=work, name="tracing-pricing")
    shop = start_server(exes["tracing-shop"], shop_port, env=env, cwd=work, name="tracing-shop")
    outs = {}
    try:
        st, _, text = request(shop_port, "POST", "/orders", {"item": "book", "qty": 2})
        check(st == 201 and json.loads(text)["total"] == 500, f"POST /orders: {st} {text}")
        rid = None
        expect_json(shop_port, "GET", "/fail", 503, {"error": "unavailable"})
        wanted = {("POST /orders", "shop"), ("pricing/quote", "shop"), ("POST /_lux/rpc/quote", "pricing"),
                  ("INSERT orders", "shop"), ("process confirm", "shop"), ("GET", "shop"), ("GET /health", "pricing"),
                  ("publish placed", "shop"), ("POST /_lux/events", "pricing"), ("process placed", "pricing"),
                  ("INSERT sales", "pricing"), ("GET /fail", "shop")}
        spans = collector.wait_for(lambda ss: wanted <= {(s["name"], s["_service"]) for s in ss})
        got = {(s["name"], s["_service"]) for s in spans}
        check(wanted <= got, f"spans missing: {sorted(wanted - got)}")
        # The collector keeps a batch before it answers; the exporter counts the batch exported
        # when that answer reaches it, a moment later: wait for the count, bounded.
        def span_counters():
            st, _, metrics_text = request(shop_port, "GET", "/metrics")
            return st, {line.split()[0]: float(line.split()[1]) for line in metrics_text.splitlines()
                        if line.startswith("lux_trace_spans_")}
        deadline = time.time() + 20
        st, counters = span_counters()
        while st == 200 and counters.get("lux_trace_spans_exported_total", 0) < 1 and time.time() < deadline:
            time.sleep(0.05)
            st, counters = span_counters()
        check(st == 200 and counters.get("lux_trace_spans_exported_total", 0) >= 1
              and counters.get("lux_trace_spans_dropped_total") == 0, f"the span counters on /metrics: {st} {counters}")
        root = one(spans, "POST /orders", "shop")
        if not root:
            return
        trace = root["traceId"]
        in_trace = [s for s in spans if s["traceId"] == trace]
        check({(s["name"], s["_service"]) for s in in_trace} == wanted - {("GET /fail", "shop")},
              f"the request's trace holds its spans and no others: {sorted((s['name'], s['_service']) for s in in_trace)}")
        check("parentSpanId" not in root and root["kind"] == 2, f"the request's span is a root SERVER span: {root}")
        check(root["_attrs"].get("http.route") == "/orders" and root["_attrs"].get("http.request.method") == "POST" and
              root["_attrs"].get("http.response.status_code") == "201" and root["_attrs"].get("url.path") == "/orders",
              f"server span attributes: {root['_attrs']}")
        check(root["_resource"].get("telemetry.sdk.name") == "lux" and root["_resource"].get("telemetry.sdk.language") == "cpp",
              f"resource: {root['_resource']}")
        rid = root["_attrs"].get("lux.request_id")
        rpc = one(in_trace, "pricing/quote", "shop")
        child_of(rpc, root, "RPC")
        check(rpc and rpc["kind"] == 3 and rpc["_attrs"].get("rpc.system") == "lux" and rpc["_attrs"].get("rpc.service") == "pricing"
              and rpc["_attrs"].get("rpc.method") == "quote", f"RPC client span: {rpc}")
        rpc_server = one(in_trace, "POST /_lux/rpc/quote", "pricing")
        child_of(rpc_server, rpc, "the peer's RPC span")
        insert = one(in_trace, "INSERT orders", "shop")
        child_of(insert, root, "query")
        check(insert and insert["kind"] == 3 and insert["_attrs"].get("db.system") == "sqlite" and
              insert["_attrs"].get("db.operation.name") == "INSERT" and insert["_attrs"].get("db.collection.name") == "orders",
              f"db span: {insert}")
        job = one(in_trace, "process confirm", "shop")
        child_of(job, root, "job run")
        check(job and job["kind"] == 5 and job["_attrs"].get("messaging.destination.name") == "confirm" and
              job["_attrs"].get("messaging.operation.type") == "process", f"job span: {job}")
        fetch = one(in_trace, "GET", "shop")
        child_of(fetch, job, "the job's fetch")
        check(fetch and fetch["kind"] == 3 and fetch["_attrs"].get("http.response.status_code") == "200", f"fetch span: {fetch}")
        child_of(one(in_trace, "GET /health", "pricing"), fetch, "the fetched server's span")
        publish = one(in_trace, "publish placed", "shop")
        child_of(publish, root, "publish")
        check(publish and publish["kind"] == 4 and publish["_attrs"].get("messaging.destination.name") == "placed",
              f"producer span: {publish}")
        child_of(one(in_trace, "POST /_lux/events", "pricing"), publish, "the peer's delivery request")
        consume = one(in_trace, "process placed", "pricing")
        child_of(consume, publish, "event delivery")
        check(consume and consume["kind"] == 5, f"consumer span: {consume}")
        child_of(one(in_trace, "INSERT sales", "pricing"), consume, "the subscriber's query")
        fail = one(spans, "GET /fail", "shop")
        check(fail and fail["status"].get("code") == 2 and fail["_attrs"].get("error.type") == "503",
              f"a 5xx is an ERROR span: {fail}")
        for s in in_trace:
            check(int(s["startTimeUnixNano"]) <= int(s["endTimeUnixNano"]) and len(s["spanId"]) == 16 and len(trace) == 32,
                  f"ids and times of `{s['name']}`")
        check(all(p["path"] == "/v1/traces" and p["headers"].get("x-collector-token") == "s3cret" and
                  p["headers"].get("Content-Type") == "application/x-protobuf" for p in collector.posts),
              "every export is a POST /v1/traces in protobuf (the default) with OTEL_EXPORTER_OTLP_HEADERS")
    finally:
        outs["shop"] = stop_server(shop)
        outs["pricing"] = stop_server(pricing)
    if not root:
        return
    by_id = {s["spanId"]: s for s in collector.snapshot()}
    for name, out in outs.items():
        rows = json_lines(out, name)
        check(all({"ts", "level", "msg"} <= set(r) for r in rows), f"{name}: every JSON line has ts, level, msg")
        mine = [r for r in rows if r.get("request_id") == rid]
        check(mine, f"{name}: lines of the request {rid}")
        for r in mine:
            check(r.get("trace_id") == trace and r.get("span_id") in by_id,
                  f"{name}: a line of the request names its trace and an exported span: {r}")
    shop_rows = json_lines(outs["shop"], "shop")
    placed = [r for r in shop_rows if r.get("msg") == "order placed"]
    check(len(placed) == 1 and placed[0].get("span_id") == root["spanId"], f"log.info in the handler: the server span: {placed}")
    printed = [r for r in shop_rows if r.get("msg") == "placed book"]
    check(len(printed) == 1 and printed[0].get("source") == "print" and printed[0].get("span_id") == root["spanId"],
          f"print in the handler: a JSON line with the request's ids: {printed}")
    access = [r for r in shop_rows if r.get("msg") == "request" and r.get("path") == "/orders"]
    check(len(access) == 1 and access[0].get("span_id") == root["spanId"], f"the access log line: {access}")
    confirming = [r for r in shop_rows if r.get("msg") == "confirming"]
    job_span = next((s for s in collector.snapshot() if s["name"] == "process confirm"), None)
    check(len(confirming) == 1 and job_span and confirming[0].get("span_id") == job_span["spanId"],
          f"the job's log line names the job's span: {confirming}")


def sampling_off(exes, work, collector):
    """OTEL_TRACES_SAMPLER=always_off on the shop: the pricing server follows (parent-based), nothing of the
    request is sent."""
    shop_port, pricing_port = free_port(), free_port()
    before = len(collector.snapshot())
    env = servers_env(collector.url(), shop_port, pricing_port)
    pricing = start_server(exes["tracing-pricing"], pricing_port, env=env, cwd=work, name="tracing-pricing")
    shop = start_server(exes["tracing-shop"], shop_port, env=dict(env, OTEL_TRACES_SAMPLER="always_off"), cwd=work, name="tracing-shop")
    try:
        st, _, text = request(shop_port, "POST", "/orders", {"item": "pen", "qty": 1})
        check(st == 201, f"POST /orders with sampling off: {st} {text}")
        time.sleep(1.0)  # ten schedule delays: whatever was recorded would have been sent
    finally:
        shop_out = stop_server(shop)
        stop_server(pricing)
    sent = [(s["name"], s["_service"]) for s in collector.snapshot()[before:]]
    # The only spans: the pricing server's own root spans of the shop's health checks (no
    # trace context, so its default sampler samples them).
    check(all(x == ("GET /health", "pricing") for x in sent), f"sampling off: no span of the request sent: {sent}")
    check(any(r.get("msg") == "placed pen" for r in json_lines(shop_out, "shop (sampling off)")), "the request ran")


def service_names(exes, work, collector):
    """service.name is the server's name in the program (`shop`, above) unless the environment names
    the service: service.name in OTEL_RESOURCE_ATTRIBUTES, and OTEL_SERVICE_NAME over both. The first
    case exports in JSON (OTEL_EXPORTER_OTLP_PROTOCOL), the second in protobuf (the traces' own
    variable over the general one)."""
    cases = [({"OTEL_RESOURCE_ATTRIBUTES": "service.name=orders,deployment.environment.name=test",
               "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, "orders", "application/json"),
             ({"OTEL_RESOURCE_ATTRIBUTES": "service.name=orders", "OTEL_SERVICE_NAME": "checkout",
               "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
              "checkout", "application/x-protobuf")]
    for extra, want, content_type in cases:
        shop_port, pricing_port = free_port(), free_port()
        before = len(collector.snapshot())
        with collector.lock:
            posts_before = len(collector.posts)
        shop = start_server(exes["tracing-shop"], shop_port, env=servers_env(collector.url(), shop_port, pricing_port, **extra),
                            cwd=work, name="tracing-shop")
        try:
            expect_json(shop_port, "GET", "/fail", 503, {"error": "unavailable"})
            spans = collector.wait_for(lambda ss: any(s["name"] == "GET /fail" for s in ss[before:]))
        finally:
            stop_server(shop)
        got = {s["_service"] for s in spans[before:] if s["name"] == "GET /fail"}
        check(got == {want}, f"service.name with {extra}: {got}, expected {want!r}")
        with collector.lock:
            types = {p["headers"].get("Content-Type") for p in collector.posts[posts_before:]}
        check(types == {content_type}, f"exports with {extra}: Content-Type {types}, expected {content_type}")
        if want == "orders":
            res = next((s["_resource"] for s in spans[before:] if s["name"] == "GET /fail"), {})
            check(res.get("deployment.environment.name") == "test", f"the other resource attributes are kept: {res}")


def grpc_refused(exes, work, collector):
    """OTEL_EXPORTER_OTLP_PROTOCOL=grpc (not supported): the server does not start, and says why in
    one line naming the variable and the protocols it takes."""
    env = servers_env(collector.url(), free_port(), free_port(), OTEL_EXPORTER_OTLP_PROTOCOL="grpc")
    p = subprocess.run([exes["tracing-shop"], "--port", str(free_port())], env=env, cwd=work,
                       capture_output=True, text=True, timeout=30)
    out = p.stdout + p.stderr
    check(p.returncode == 1, f"exit status with grpc: {p.returncode}\n{out}")
    check("OTEL_EXPORTER_OTLP_PROTOCOL: `grpc` is not supported: use http/protobuf (the default) or http/json" in out,
          f"the start-up error names the variable and the way out: {out}")


def unreachable(exes, work):
    """A collector nobody listens on: requests are served, the spans dropped, one warning."""
    shop_port, pricing_port = free_port(), free_port()
    env = servers_env(f"http://127.0.0.1:{free_port()}", shop_port, pricing_port, OTEL_BSP_EXPORT_TIMEOUT="500",
                      OTEL_BSP_SCHEDULE_DELAY="50")
    shop = start_server(exes["tracing-shop"], shop_port, env=env, cwd=work, name="tracing-shop")
    try:
        for _ in range(20):
            expect_json(shop_port, "GET", "/fail", 503, {"error": "unavailable"})
            time.sleep(0.05)
        time.sleep(1.5)
        st, _, _ = request(shop_port, "GET", "/fail")
        check(st == 503, "still serving while the exports fail")
        _, _, metrics_text = request(shop_port, "GET", "/metrics")
        dropped = next((float(line.split()[1]) for line in metrics_text.splitlines()
                        if line.startswith("lux_trace_spans_dropped_total ")), None)
    finally:
        out = stop_server(shop)
    check(shop.returncode == 0, f"exit status after SIGTERM: {shop.returncode}")
    rows = json_lines(out, "shop (unreachable collector)")
    failed = [r for r in rows if r.get("msg") == "trace export failed; spans dropped"]
    check(dropped and dropped > 0, f"lux_trace_spans_dropped_total counts the dropped spans: {dropped}")
    check(len(failed) == 1, f"one log line for the outage, not one per batch: {len(failed)}")
