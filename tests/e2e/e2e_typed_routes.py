"""e2e case `typed_routes` (programs/typed_routes.lux) over real HTTP: a typed body answers 400
listing every bad field and reaches the handler as a typed `req.body` (defaults filled, unknown
fields dropped), a list body too; inline handlers with `with auth`; the response types in
/openapi.json; redirects (status and Location, curl without following); API keys (good, bad,
missing, from the env setting); every JWT algorithm with keys made here by the openssl command
and tokens signed by it; wrong issuer, audience, nbf, exp and alg are 401; a bad public key stops
the start with one line and exit 1."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
import urllib.request

from e2e import build, check, expect_json, free_port, program, request, start_server, stop_server


def call(port, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def der_to_raw(der):
    """An ECDSA signature in DER (openssl dgst) as JWS's R || S, 32 bytes each."""
    assert der[0] == 0x30
    i = 2 if der[1] < 0x80 else 3
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(32, b"\0")
        i += 2 + n
    return out


def sign(alg, claims, secret=None, key=None, header_alg=None):
    head = b64(json.dumps({"alg": header_alg or alg, "typ": "JWT"}).encode())
    signed = f"{head}.{b64(json.dumps(claims).encode())}"
    if alg.startswith("HS"):
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        sig = hmac.new(secret.encode(), signed.encode(), digest).digest()
    else:
        p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signed.encode(), capture_output=True)
        sig = p.stdout if alg == "RS256" else der_to_raw(p.stdout)
    return f"{signed}.{b64(sig)}"


def keypair(out, name, args):
    priv = os.path.join(out, f"{name}.key.pem")
    pub = os.path.join(out, f"{name}.pub.pem")
    subprocess.run(["openssl", "genpkey", *args, "-out", priv], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub], check=True, capture_output=True)
    return priv, pub


def check_typed_bodies(port):
    got, _ = expect_json(port, "POST", "/users", 400, None, {"name": 7, "role": ["x"]})
    if got:
        paths = sorted(e["path"] for e in got.get("details", {}).get("errors", []))
        check(paths == ["body.age", "body.name", "body.role"], f"typed body 400 lists every bad field: {got}")
        check(got["error"].startswith("invalid request body"), f"typed body 400 message: {got}")
        check("request_id" in got, f"typed body 400 has the request id: {got}")
    expect_json(port, "POST", "/users", 201, {"id": 1, "name": "ada", "role": "user"}, {"name": "ada", "age": 36, "extra": 1})
    expect_json(port, "POST", "/users/bulk", 200,
                [{"id": 36, "name": "ada", "role": "user"}, {"id": 41, "name": "bob", "role": "admin"}],
                [{"name": "ada", "age": 36}, {"name": "bob", "age": 41, "role": "admin"}])
    got, _ = expect_json(port, "POST", "/users/bulk", 400, None, [{"name": "ada", "age": 36}, {"age": "x"}])
    if got:
        paths = sorted(e["path"] for e in got["details"]["errors"])
        check(paths == ["body[1].age", "body[1].name"], f"list body 400 lists every bad element field: {got}")
    expect_json(port, "POST", "/users", 400, None)  # no body at all
    st, _, text = call(port, "POST", "/users", None, {"Content-Type": "text/plain"})
    check(st in (400, 415), f"a text body on a typed route: {st} {text}")


def check_redirects(port):
    for path, status, location in [("/old", "301", "/users"), ("/login", "302", "https://id.example/start?next=%2F"),
                                   ("/moved/307", "307", "/users"), ("/moved/308", "308", "/users")]:
        p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-D", "-", f"http://127.0.0.1:{port}{path}"],
                           capture_output=True, text=True, timeout=10)
        lines = p.stdout.splitlines()
        check(lines and lines[0].split()[1] == status, f"GET {path}: status line {lines[:1]}, expected {status}")
        found = [l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("location:")]
        check(found == [location], f"GET {path}: Location {found}, expected {location}")
    st, _, text = call(port, "GET", "/moved/200")
    check(st == 500, f"redirect with a computed status that is not a redirect: {st} {text}")


def check_api_keys(port, env_keys):
    for key in env_keys:
        st, _, text = call(port, "GET", "/me", headers={"X-API-Key": key})
        check(st == 200 and json.loads(text)["user"]["api_key"] is True, f"GET /me with key {key!r}: {st} {text}")
    st, h, text = call(port, "GET", "/me")
    check(st == 401 and h.get("WWW-Authenticate", "").startswith('ApiKey realm="lux", header="X-API-Key"'),
          f"no key: {st} {h.get('WWW-Authenticate')} {text}")
    check("request_id" in json.loads(text), f"no key: error shape {text}")
    st, h, text = call(port, "GET", "/me", headers={"X-API-Key": "key-three"})
    check(st == 401 and 'error="invalid_key"' in h.get("WWW-Authenticate", ""), f"bad key: {st} {h.get('WWW-Authenticate')}")
    st, _, text = call(port, "PUT", "/users/5", {"name": "eve", "age": 30}, {"X-API-Key": env_keys[0]})
    check(st == 200 and json.loads(text) == {"id": 5, "name": "eve", "role": "user"}, f"PUT inline handler: {st} {text}")
    st, _, text = call(port, "PUT", "/users/5", {"name": "eve", "age": 30})
    check(st == 401, f"PUT without a key: {st}")
    st, _, _ = call(port, "DELETE", "/users/5", headers={"X-API-Key": env_keys[1]})
    check(st == 204, f"DELETE with auth: {st}")


def check_openapi(port):
    st, _, text = call(port, "GET", "/openapi.json")
    check(st == 200, f"/openapi.json: {st}")
    doc = json.loads(text)
    get_users = doc["paths"]["/users"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    check(get_users == {"type": "array", "items": {"$ref": "#/components/schemas/User"}}, f"GET /users schema {get_users}")
    body = doc["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    check(body == {"$ref": "#/components/schemas/CreateUser"}, f"POST /users requestBody {body}")
    old = doc["paths"]["/old"]["get"]["responses"]
    check("301" in old and "Location" in old["301"].get("headers", {}), f"/old responses {old}")
    scheme = doc["components"]["securitySchemes"]
    check(scheme == {"apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}, f"security scheme {scheme}")


def check_algorithms(a, exe, keys):
    now = int(time.time())
    good = {"sub": "42", "iss": "https://id.example", "aud": "web", "exp": now + 600}
    secret = "a-test-secret-that-is-long-enough-for-hs512-keys-0123456789abcdef"
    for alg in ["HS256", "HS384", "HS512", "RS256", "ES256"]:
        env = dict(os.environ, JWT_ALG=alg, JWT_SECRET=secret)
        key = None
        if alg in keys:
            key, pub = keys[alg]
            env["JWT_PUBLIC_KEY"] = pub if alg == "RS256" else open(pub).read()  # a path, or the PEM itself
        port = free_port()
        proc = start_server(exe, port, env=env, name=f"tokens-{alg}")
        try:
            def status(claims, header_alg=None, with_alg=alg):
                t = sign(with_alg, claims, secret=secret, key=key, header_alg=header_alg)
                st, _, text = call(port, "GET", "/me", headers={"Authorization": f"Bearer {t}"})
                return st, text
            st, text = status(good)
            check(st == 200 and json.loads(text) == {"sub": "42"}, f"{alg}: a good token: {st} {text}")
            for what, claims in [("issuer", dict(good, iss="https://evil.example")), ("audience", dict(good, aud="other")),
                                 ("nbf", dict(good, nbf=now + 300)), ("exp", dict(good, exp=now - 5)),
                                 ("no exp", {k: v for k, v in good.items() if k != "exp"})]:
                st, text = status(claims)
                check(st == 401, f"{alg}: wrong {what} answers {st} {text}")
            st, text = status(good, header_alg="none")
            check(st == 401, f"{alg}: header alg none: {st}")
            other = "HS256" if alg != "HS256" else "HS512"
            st, text = status(good, with_alg=other)
            check(st == 401 and "only " + alg in text, f"{alg}: a token signed with {other}: {st} {text}")
            if alg == "RS256":  # the public key used as an HMAC secret (the classic confusion)
                pem = open(keys[alg][1]).read()
                t = sign("HS256", good, secret=pem)
                st, _, _ = call(port, "GET", "/me", headers={"Authorization": f"Bearer {t}"})
                check(st == 401, f"RS256: an HS256 token keyed with the public key: {st}")
        finally:
            stop_server(proc)
    # A public key that is not one: one line, exit 1.
    env = dict(os.environ, JWT_ALG="ES256", JWT_PUBLIC_KEY=keys["RS256"][1])
    p = subprocess.run([exe, "--host", "127.0.0.1", "--port", str(free_port())], env=env, capture_output=True, text=True,
                       timeout=20)
    check(p.returncode == 1 and "not an EC P-256 public key" in p.stderr + p.stdout, f"ES256 with an RSA key: {p.returncode} {p.stderr}")
    env = dict(os.environ, JWT_ALG="RS256", JWT_PUBLIC_KEY=os.path.join(a.out, "missing.pem"))
    p = subprocess.run([exe, "--host", "127.0.0.1", "--port", str(free_port())], env=env, capture_output=True, text=True,
                       timeout=20)
    check(p.returncode == 1 and "cannot read the public key file" in p.stderr + p.stdout, f"missing key file: {p.returncode} {p.stderr}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("typed_routes.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = p.stdout.strip().splitlines()
    api = next(e for e in exes if e.endswith("-api"))
    tokens = next(e for e in exes if e.endswith("-tokens"))
    port = free_port()
    proc = start_server(api, port, name="api")
    try:
        check_typed_bodies(port)
        check_redirects(port)
        check_api_keys(port, ["key-one", "key-two"])
        check_openapi(port)
    finally:
        stop_server(proc)
    check(proc.returncode == 0, f"api: exit status after SIGTERM: {proc.returncode}")
    port = free_port()
    proc = start_server(api, port, env=dict(os.environ, API_KEYS="env-key-a,env-key-b"), name="api-env")
    try:
        check_api_keys(port, ["env-key-a", "env-key-b"])
        st, _, _ = call(port, "GET", "/me", headers={"X-API-Key": "key-one"})
        check(st == 401, f"the default keys no longer open once API_KEYS is set: {st}")
    finally:
        stop_server(proc)
    keys = {"RS256": keypair(a.out, "rs256", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
            "ES256": keypair(a.out, "es256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])}
    check_algorithms(a, tokens, keys)
