"""e2e case `server_cli`: the command line of a built server (programs/cli_settings.lux): `--help`
lists every env setting with its default, except a secret one's (`default (set, hidden)`); a
misspelt flag is refused with exit 2 and "did you mean" over the flags the server takes (its
env settings' and the built-in ones), without echoing a value given with `=`; the flags that
exist still work.
"""
import os
import subprocess

from e2e import build, check, expect_json, free_port, popen_ready, program, stop_server

SECRET = "dev-secret-4f1c9a7e2b6d8035c1e9a4f7b2d6e8c0"


def line_of(text, name):
    return next((l for l in text.splitlines() if l.split()[:1] == [name]), "")


def refused(exe, args, want):
    """Runs exe with args: exit 2 and exactly `want` (one line) on stderr, nothing started."""
    p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=20)
    name = os.path.basename(exe)
    expected = f"{name}: {want} (`{name} --help` lists the options)\n"
    check(p.returncode == 2 and p.stderr == expected and not p.stdout,
          f"{args}: exit {p.returncode}, stderr {p.stderr!r}, expected {expected!r}")
    return p


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("cli_settings.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    exe = p.stdout.split()[0] if p.stdout.split() else ""

    h = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=20)
    text = h.stdout
    check(h.returncode == 0, f"--help exit {h.returncode}: {h.stderr}")
    check(SECRET not in text and "dev-secret" not in text, f"--help prints the secret default:\n{text}")
    check(line_of(text, "JWT_SECRET").endswith("default (set, hidden)"), f"JWT_SECRET: {line_of(text, 'JWT_SECRET')!r}")
    check(line_of(text, "API_KEY").endswith("default None"), f"API_KEY (None hides nothing): {line_of(text, 'API_KEY')!r}")
    for name in ("API_TOKEN", "WEBHOOK_URL"):  # `= nil`, `= null`: no default, as `= None`
        check(line_of(text, name).endswith("default None"), f"{name} (a nil default is None): {line_of(text, name)!r}")
    check(line_of(text, "DB_PASSWORD").endswith("required"), f"DB_PASSWORD: {line_of(text, 'DB_PASSWORD')!r}")
    check(line_of(text, "CODE_LENGTH").endswith("default 6"), f"CODE_LENGTH: {line_of(text, 'CODE_LENGTH')!r}")
    check(line_of(text, "BASE_URL").endswith('default "http://localhost:8080"'), f"BASE_URL: {line_of(text, 'BASE_URL')!r}")
    check("[--code-length VALUE]" in text and text.count("[--port") == 1, f"usage line:\n{text.splitlines()[0]}")

    refused(exe, ["--code-lenght", "5"], "unknown option `--code-lenght`; did you mean `--code-length`?")
    refused(exe, ["--CODE_LENGHT=5"], "unknown option `--CODE_LENGHT`; did you mean `--code-length`?")
    refused(exe, ["--prot", "0"], "unknown option `--prot`; did you mean `--port`?")
    refused(exe, ["--max-conections", "9"], "unknown option `--max-conections`; did you mean `--max-connections`?")
    refused(exe, ["--hepl"], "unknown option `--hepl`; did you mean `--help`?")
    p = refused(exe, ["--jwt-secrte=hunter2-value"], "unknown option `--jwt-secrte`; did you mean `--jwt-secret`?")
    check("hunter2" not in p.stderr, "the value of a misspelt flag is echoed")
    refused(exe, ["--verbose"], "unknown option `--verbose`")
    refused(exe, ["-p", "80"], "unknown option `-p`")
    refused(exe, ["--code-length"], "option --code-length needs a value")

    # The flags that exist: env settings by flag (both spellings), a negative-looking value after
    # a built-in flag is its value, not a flag.
    port = free_port()
    proc = popen_ready([exe, "--host", "127.0.0.1", "--port", str(port), "--code-length", "8", "--DB_PASSWORD=pw-12",
                        "--api-key", "k"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check(proc is not None, "the server did not start with valid flags")
    if proc:
        try:
            expect_json(port, "GET", "/settings", 200,
                        {"code_length": 8, "base_url": "http://localhost:8080", "has_api_key": True, "db_password_length": 5})
        finally:
            stop_server(proc)
    p = subprocess.run([exe, "--host", "127.0.0.1", "--port", "-1", "--db-password", "x"], capture_output=True, text=True,
                       timeout=20)
    check(p.returncode == 1 and "expected Int in 0..65535" in p.stderr and "unknown option" not in p.stderr,
          f"`--port -1` reaches the port check: exit {p.returncode} {p.stderr!r}")
