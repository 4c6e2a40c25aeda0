"""e2e case `metrics`: GET /metrics of two servers (programs/metrics.lux: routes, jobs, a schedule,
an event, an RPC peer) checked by the real tools — `promtool check metrics` on the text format,
a strict reader of OpenMetrics (openmetrics_check.py: `# UNIT`, `_created`, `# EOF`) on what the
server answers an OpenMetrics Accept with, and a Prometheus server (its own temp dir, scraping the
program every second, negotiating OpenMetrics) answering a PromQL query for the request counter of
a route pattern and for its `_created` series. Then the
Bearer token (LUX_METRICS_TOKEN), a port of its own (LUX_METRICS_PORT) and LUX_METRICS=0.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from e2e import build, check, curl_response, free_port, program, request, start_server, stop_server
from openmetrics_check import check_openmetrics


def sample(text, prefix):
    """The value of the sample line that starts with `prefix` exactly (name and labels), or None."""
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            return float(line[len(prefix) + 1:])
    return None


def scrape(port, accept=None, path="/metrics", token=None):
    args = []
    if accept:
        args += ["-H", f"Accept: {accept}"]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    status, headers, body = curl_response(f"http://127.0.0.1:{port}{path}", *args)
    return status, headers, body.decode()


def wait_for(what, fn, timeout=20):
    """fn() until it is truthy (its value), or a failed check after `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    check(False, f"timed out waiting for {what} (last: {last!r})")
    return None


def promtool_check(text, what):
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    check(p.returncode == 0, f"promtool check metrics on {what}: exit {p.returncode}\n{p.stdout}{p.stderr}")


def exercise(shop_port):
    for i in (1, 2, 3):
        st, _, _ = request(shop_port, "GET", f"/items/{i}")
        check(st == 200, f"GET /items/{i}: {st}")
    for i in (5, 6):
        st, _, body = request(shop_port, "POST", f"/orders/{i}")
        check(st == 200 and json.loads(body)["left"] == 100 - i, f"POST /orders/{i}: {st} {body}")
    st, _, _ = request(shop_port, "POST", "/bill/1")
    check(st == 200, f"POST /bill/1: {st}")
    st, _, body = request(shop_port, "GET", "/no/such/page")
    check(st == 404, f"GET /no/such/page: {st}")


def check_text(shop_port):
    """The jobs, schedule, event and RPC series once the background work is done."""
    def done():
        st, _, text = scrape(shop_port)
        ok = (sample(text, 'lux_jobs_dead_lettered_total{job="doomed"}') == 1 and
              sample(text, 'lux_jobs_succeeded_total{job="send_receipt"}') == 2 and
              sample(text, 'lux_events_delivered_total{event="order.placed"}') == 2 and
              (sample(text, 'lux_schedule_runs_total{schedule="heartbeat"}') or 0) >= 1)
        return text if st == 200 and ok else None
    text = wait_for("the jobs, the event and the schedule in /metrics", done)
    if not text:
        return
    promtool_check(text, "the text format")
    want = {
        'http_server_requests_total{method="GET",route="/items/:id",status_class="2xx"}': 3,
        'http_server_requests_total{method="POST",route="/orders/:id",status_class="2xx"}': 2,
        'http_server_requests_total{method="GET",route="unmatched",status_class="4xx"}': 1,
        'http_server_request_duration_seconds_count{method="GET",route="/items/:id",status_class="2xx"}': 3,
        'http_server_request_duration_seconds_bucket{method="GET",route="/items/:id",status_class="2xx",le="+Inf"}': 3,
        'lux_jobs_enqueued_total{job="send_receipt"}': 2,
        'lux_jobs_failed_total{job="doomed"}': 2,
        'lux_job_duration_seconds_count{job="send_receipt"}': 2,
        'lux_events_published_total{event="order.placed"}': 2,
        'lux_events_outbox_depth{lane="local:order.placed:0"}': 0,
        'lux_rpc_calls_total{service="stock",outcome="ok"}': 2,
        'lux_rpc_call_duration_seconds_count{service="stock"}': 2,
        'lux_breaker_state{service="stock"}': 0,
        'lux_jobs_queue_depth{state="dead"}': 1,
        'lux_jobs_queue_depth{state="pending"}': 0,
    }
    for prefix, value in want.items():
        check(sample(text, prefix) == value, f"{prefix} = {sample(text, prefix)}, expected {value}")
    check("/no/such/page" not in text, "a raw path became a label value")
    for name in ("process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds"):
        check((sample(text, name) or 0) > 0, f"{name} = {sample(text, name)}")
    # CPU time is counted in clock ticks (10 ms): a light process may not have used one yet.
    cpu = sample(text, "process_cpu_seconds_total")
    check(cpu is not None and cpu >= 0, f"process_cpu_seconds_total = {cpu}")
    check(abs(sample(text, "process_start_time_seconds") - time.time()) < 600, "process_start_time_seconds is now")
    check('lux_build_info{version="' in text and 'program="metrics",server="shop"} 1' in text,
          "lux_build_info names the program and the server")
    check((sample(text, 'lux_schedule_lag_seconds_count{schedule="heartbeat"}') or 0) >= 1, "the schedule's lag")
    for line in text.splitlines():
        if line.startswith("# TYPE ") and line.endswith(" counter"):
            check(line.split()[2].endswith("_total"), f"a text-format counter family without _total: {line}")

    st, headers, om = scrape(shop_port, accept="application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
    check(st == 200 and headers.get("content-type", "").startswith("application/openmetrics-text; version=1.0.0"),
          f"OpenMetrics asked for: {st} {headers.get('content-type')}")
    check(om.endswith("# EOF\n"), "OpenMetrics ends with # EOF")
    check("# TYPE http_server_requests counter\n" in om, "OpenMetrics declares counters without _total")
    errors = check_openmetrics(om)
    check(not errors, "OpenMetrics read strictly:\n  " + "\n  ".join(errors[:20]))
    for unit_line in ("# UNIT http_server_request_duration_seconds seconds", "# UNIT http_server_response_body_size_bytes bytes",
                      "# UNIT process_cpu_seconds seconds", "# UNIT lux_job_duration_seconds seconds"):
        check(unit_line + "\n" in om, f"OpenMetrics declares `{unit_line}`")
    created = sample(om, 'http_server_requests_created{method="GET",route="/items/:id",status_class="2xx"}')
    check(created is not None and abs(created - time.time()) < 600, f"the request counter's _created: {created}")
    check(sample(om, "process_cpu_seconds_created") == sample(om, "process_start_time_seconds"),
          "the process CPU counter was created with the process")
    check("_created" not in text and "# UNIT" not in text and "# EOF" not in text,
          "the text format stays as it was: no _created, # UNIT or # EOF")


def check_db(stock_port):
    """The stock server ran two db.run and one db.query per reservation (two reservations)."""
    st, _, text = scrape(stock_port)
    check(st == 200, f"stock /metrics: {st}")
    want = {'lux_db_query_duration_seconds_count{operation="run"}': 4,
            'lux_db_query_duration_seconds_count{operation="query"}': 2,
            'lux_db_connections{state="in_use"}': 0}
    for prefix, value in want.items():
        check(sample(text, prefix) == value, f"stock: {prefix} = {sample(text, prefix)}, expected {value}")
    check((sample(text, 'lux_db_connections{state="idle"}') or 0) >= 1, "stock: an idle db connection")
    check('http_server_requests_total{method="POST",route="/_lux/rpc/reserve",status_class="2xx"} 2' in text,
          "stock: the RPC endpoint's requests by its pattern")
    promtool_check(text, "the stock server")


def breaker(shop_port, stock):
    """The peer stops: three failed calls open the shop's breaker (threshold 3), the next is rejected."""
    stop_server(stock)
    for i in range(4):
        st, _, _ = request(shop_port, "POST", f"/orders/{10 + i}")
        check(st >= 500, f"an order while the peer is down: {st}")
    st, _, text = scrape(shop_port)
    want = {'lux_rpc_calls_total{service="stock",outcome="error"}': 3,
            'lux_rpc_calls_total{service="stock",outcome="rejected"}': 1,
            'lux_breaker_state{service="stock"}': 2,
            'lux_breaker_transitions_total{service="stock",to="open"}': 1}
    for prefix, value in want.items():
        check(sample(text, prefix) == value, f"{prefix} = {sample(text, prefix)}, expected {value}")


def prometheus_query(shop_port, tmp):
    """A real Prometheus scrapes the shop every second (OpenMetrics, which it asks for first) and
    answers a PromQL query for the request counter of a route pattern."""
    web_port = free_port()
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: shop\n    static_configs:\n"
                f"      - targets: ['127.0.0.1:{shop_port}']\n")
    log = open(os.path.join(tmp, "prometheus.log"), "w")
    prom = subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{web_port}",
                             f"--storage.tsdb.path={os.path.join(tmp, 'data')}"], stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{web_port}/api/v1"
    ok = False

    def get(path):
        try:
            with urllib.request.urlopen(api + path, timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            return None

    try:
        query = 'sum(http_server_requests_total{route="/items/:id",method="GET"})'

        def answered():
            r = get("/query?query=" + urllib.parse.quote(query))
            if not r or r.get("status") != "success" or not r["data"]["result"]:
                return None
            return r["data"]["result"][0]["value"][1]
        value = wait_for("Prometheus to answer " + query, answered, timeout=30)
        targets = get("/targets")
        active = targets["data"]["activeTargets"] if targets else []
        healthy = len(active) == 1 and active[0]["health"] == "up" and not active[0]["lastError"]
        check(value == "3", f"Prometheus: {query} = {value!r}, expected \"3\"")
        check(healthy, f"the scrape target is healthy: {active}")
        # Prometheus read the OpenMetrics `_created` samples (a series of their own in this version).
        created_query = 'max(http_server_requests_created{route="/items/:id",method="GET"})'
        r = get("/query?query=" + urllib.parse.quote(created_query))
        created = r["data"]["result"][0]["value"][1] if r and r.get("status") == "success" and r["data"]["result"] else None
        check(created is not None and abs(float(created) - time.time()) < 600, f"Prometheus: {created_query} = {created!r}")
        ok = value == "3" and healthy and created is not None
    finally:
        prom.terminate()
        try:
            prom.wait(timeout=15)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()
        log.close()
    if not ok:
        with open(os.path.join(tmp, "prometheus.log")) as f:
            print(f.read()[-3000:])


def switches(exe, env):
    """The token, a port of its own, and metrics off."""
    port = free_port()
    proc = start_server(exe, port, env=dict(env, LUX_METRICS_TOKEN="scrape-me"), name="stock")
    try:
        st, headers, body = scrape(port)
        check(st == 401 and json.loads(body)["error"] == "unauthorized" and json.loads(body)["request_id"],
              f"no token: {st} {body}")
        check(headers.get("www-authenticate", "").startswith("Bearer"), f"WWW-Authenticate: {headers}")
        st, _, _ = scrape(port, token="wrong")
        check(st == 401, f"a wrong token: {st}")
        st, _, body = scrape(port, token="scrape-me")
        check(st == 200 and "lux_build_info" in body, f"the token: {st}")
    finally:
        stop_server(proc)

    port, metrics_port = free_port(), free_port()
    proc = start_server(exe, port, env=dict(env, LUX_METRICS_PORT=str(metrics_port)), name="stock")
    try:
        st, _, _ = scrape(port)
        check(st == 404, f"/metrics on the main port when it has a port of its own: {st}")
        st, headers, body = scrape(metrics_port)
        check(st == 200 and headers.get("content-type", "").startswith("text/plain; version=0.0.4"),
              f"/metrics on its own port: {st} {headers}")
        promtool_check(body, "the listener of its own")
        st, _, body = scrape(metrics_port, path="/other")
        check(st == 404 and json.loads(body)["error"] == "not found", f"another path on the metrics port: {st} {body}")
    finally:
        out = stop_server(proc)
    check(f'"port":{metrics_port}' in out.replace(" ", "") or str(metrics_port) in out,
          f"the metrics listener is logged:\n{out[-2000:]}")
    st, _, _ = curl_response(f"http://127.0.0.1:{metrics_port}/metrics")
    check(st == 0, f"the metrics port closed with the server: {st}")

    port = free_port()
    proc = start_server(exe, port, env=dict(env, LUX_METRICS="0"), name="stock")
    try:
        st, _, body = scrape(port)
        check(st == 404 and json.loads(body)["error"] == "not found", f"LUX_METRICS=0: {st} {body}")
    finally:
        stop_server(proc)


def run(a):
    os.makedirs(a.out, exist_ok=True)
    for tool in ("promtool", "prometheus"):
        check(shutil.which(tool), f"{tool} is not installed (.ci/deps.sh installs Debian's prometheus)")
    p = build(a, program("metrics.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    tmp = tempfile.mkdtemp(prefix="lux-e2e-metrics-", dir=a.out)
    shop_port, stock_port = free_port(), free_port()
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_SERVICE_STOCK_URL=f"http://127.0.0.1:{stock_port}")
    for k in ("LUX_METRICS", "LUX_METRICS_TOKEN", "LUX_METRICS_PORT"):
        env.pop(k, None)
    stock = start_server(exes["metrics-stock"], stock_port, env=env, cwd=tmp, name="stock")
    shop = start_server(exes["metrics-shop"], shop_port, env=env, cwd=tmp, name="shop")
    try:
        exercise(shop_port)
        check_text(shop_port)
        check_db(stock_port)
        prometheus_query(shop_port, tmp)
        breaker(shop_port, stock)
    finally:
        for proc in (shop, stock):
            if proc.poll() is None:
                stop_server(proc)
    switches(exes["metrics-stock"], dict(env, LUX_JOBS_PATH=":memory:"))
    shutil.rmtree(tmp, ignore_errors=True)
