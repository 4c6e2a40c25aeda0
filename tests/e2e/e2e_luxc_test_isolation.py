"""e2e case `luxc_test_isolation`: `luxc test` of programs/isolated.lux, whose `db`, `jobs`,
`bus`, `realtime`, `session` and `rate_limit` blocks name a PostgreSQL database and Redis servers
on port 1 (nothing listens there), run with the environment naming them too: every test passes on
the in-memory stores, and the second test sees nothing of the first (models, jobs, events). The
same program built and served fails to start (so the blocks really name unreachable servers).
Then programs/decoding.lux: the same requests (percent-encoded paths and queries, multipart
forms with files) sent over a socket to the built server with curl and through the in-process
client of a generated `luxc test`, whose tests assert the socket's answers exactly.
"""
import json
import os
import shutil
import subprocess
import tempfile

from e2e import check, curl_response, free_port, program, start_server, stop_server

UNREACHABLE = {
    "LUX_DB_URL": "postgres://lux@127.0.0.1:1/nothing",
    "LUX_JOBS_URL": "redis://127.0.0.1:1",
    "LUX_BUS_URL": "redis://127.0.0.1:1",
    "LUX_REALTIME_URL": "redis://127.0.0.1:1",
    "LUX_SESSION_URL": "redis://127.0.0.1:1",
}

ISOLATED_TESTS = ("a job stores a book", "the next test starts empty", "a session lives in memory",
                  "paths and queries are percent-decoded", "a form with files reaches req.files and req.form",
                  "a file holding the boundary's text arrives whole", "a refused file type is a 415 as over a socket")

# Targets whose decoding the in-process client must share with the server.
TARGETS = [
    "/echo/caf%C3%A9?q=a%20b",
    "/echo/caf%C3%A9%20au%20lait?q=a%20b+c&tags=x%2Cy",
    "/echo/plus+sign?q=%2B1",
    "/echo/per%25cent?q=100%25",
    "/echo/%E2%9C%93?q=%E2%9C%93&tags=",
    "/two/a%2Fb/c",
    "/two/x%20y/%7Bz%7D",
    "/echo/bad%ZZ?q=%G1",
]

# Multipart bodies: (curl -F arguments, {dir} the files' directory; the same form in Lux).
FORMS = [
    (["-F", "name=x", "-F", "file=@{dir}/a.txt;type=text/plain"],
     'form({ name: "x", file: file_part("a.txt", "hello", "text/plain") })'),
    (["-F", "note=two words", "-F", "more=@{dir}/b.bin;type=application/octet-stream", "-F",
      "more=@{dir}/a.txt;type=text/plain"],
     'form({ note: "two words", more: [file_part("b.bin", "0123456789"), file_part("a.txt", "hello", "text/plain")] })'),
    (["-F", "file=@{dir}/x.png;type=image/png"], 'form({ file: file_part("x.png", "png", "image/png") })'),
]


def lux_string(text):
    out = []
    for ch in text:
        if ch in '\\"{}':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def assertions(status, body, call):
    lines = [f"  res = {call}", f"  assert_eq(res.status, {status})"]
    try:
        doc = json.loads(body)
    except ValueError:
        lines.append(f"  assert_eq(res.body, {lux_string(body)})")
        return lines
    if isinstance(doc, dict) and "request_id" in doc:
        # An error answer: the same keys and values, but its own request id.
        rid = doc.pop("request_id")
        lines.append(f"  assert_eq(len(to_string(res.json.request_id)), {len(rid)})")
        lines.append(f"  assert_eq(res.json |> keys() |> len(), {len(doc) + 1})")
        for key, value in doc.items():
            lines.append(f"  assert_eq(res.json[{lux_string(key)}], JSON.parse({lux_string(json.dumps(value))}))")
    else:
        lines.append(f"  assert_eq(res.json, JSON.parse({lux_string(body)}))")
    return lines


def run(a):
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(program("isolated.lux"), os.path.join(tmp, "isolated.lux"))
        env = dict(os.environ, **UNREACHABLE)
        p = subprocess.run([a.luxc, "test", "isolated.lux", "-o", os.path.join(a.out, "luxc_test_isolation")], cwd=tmp,
                           env=env, capture_output=True, text=True, timeout=900)
        check(p.returncode == 0 and f"test result: ok. {len(ISOLATED_TESTS)} passed; 0 failed" in p.stdout,
              f"luxc test isolated.lux (status {p.returncode}):\n{p.stdout}\n{p.stderr}")
        for name in ISOLATED_TESTS:
            check(f"test {name} ... ok\n" in p.stdout, f"test {name!r} did not pass:\n{p.stdout}")

        # Served, the same program does reach for its PostgreSQL and Redis, and cannot start.
        b = subprocess.run([a.luxc, "build", "isolated.lux", "-o", os.path.join(a.out, "isolated")], cwd=tmp,
                           capture_output=True, text=True, timeout=900)
        check(b.returncode == 0, f"luxc build isolated.lux failed:\n{b.stderr}")
        if b.returncode == 0:
            exe = b.stdout.strip().splitlines()[-1]
            s = subprocess.run([exe, "--host", "127.0.0.1", "--port", str(free_port())], cwd=tmp,
                               capture_output=True, text=True, timeout=60)
            check(s.returncode != 0 and ("127.0.0.1" in s.stderr + s.stdout),
                  f"isolated.lux served started or failed for another reason (status {s.returncode}):\n{s.stdout}\n{s.stderr}")

        # The socket's answers, then a `luxc test` asserting them through the in-process client.
        shutil.copy(program("decoding.lux"), os.path.join(tmp, "decoding.lux"))
        with open(os.path.join(tmp, "a.txt"), "w") as f:
            f.write("hello")
        with open(os.path.join(tmp, "b.bin"), "w") as f:
            f.write("0123456789")
        with open(os.path.join(tmp, "x.png"), "w") as f:
            f.write("png")
        b = subprocess.run([a.luxc, "build", "decoding.lux", "-o", os.path.join(a.out, "decoding")], cwd=tmp,
                           capture_output=True, text=True, timeout=900)
        check(b.returncode == 0, f"luxc build decoding.lux failed:\n{b.stderr}")
        if b.returncode != 0:
            return
        exe = b.stdout.strip().splitlines()[-1]
        port = free_port()
        proc = start_server(exe, port, cwd=tmp)
        tests = []
        try:
            for i, target in enumerate(TARGETS):
                status, _, body = curl_response(f"http://127.0.0.1:{port}{target}", "--path-as-is")
                check(status != 0, f"no answer over the socket for {target}")
                tests += [f"test \"target {i}\" {{"] + assertions(status, body.decode(), f"get({lux_string(target)})") + ["}"]
            for i, (args, lux_form) in enumerate(FORMS):
                args = [arg.replace("{dir}", tmp) for arg in args]
                status, _, body = curl_response(f"http://127.0.0.1:{port}/upload", *args)
                check(status != 0, f"no answer over the socket for form {i}")
                tests += [f"test \"form {i}\" {{"] + assertions(status, body.decode(), f'post("/upload", {lux_form})') + ["}"]
        finally:
            stop_server(proc)
        with open(program("decoding.lux")) as f:
            text = f.read()
        with open(os.path.join(tmp, "decoding.lux"), "w") as f:
            f.write(text + "\n" + "\n".join(tests) + "\n")
        count = len(TARGETS) + len(FORMS)
        p = subprocess.run([a.luxc, "test", "decoding.lux", "-o", os.path.join(a.out, "luxc_test_decoding")], cwd=tmp,
                           capture_output=True, text=True, timeout=900)
        check(p.returncode == 0 and f"test result: ok. {count} passed; 0 failed" in p.stdout,
              f"the in-process client answers differently from the socket (status {p.returncode}):\n{p.stdout}\n"
              f"{p.stderr}\n--- tests ---\n" + "\n".join(tests))
