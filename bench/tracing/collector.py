#!/usr/bin/env python3
"""A stand-in OTLP/HTTP collector for the tracing bench: answers every POST /v1/traces with 200
and counts the spans it received (printed on SIGTERM/SIGINT), in OTLP protobuf or JSON (read by
tests/e2e/otlp_proto.py, the e2e collector's reader).
  collector.py PORT
"""
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e"))
from otlp_proto import count_spans  # noqa: E402

spans = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global spans
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        spans += count_spans(self.headers.get("Content-Type"), body)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def stop(*_):
    print(f"collector: {spans} spans", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
