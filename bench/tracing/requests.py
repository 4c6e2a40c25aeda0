#!/usr/bin/env python3
"""Sends N GET /hello over one keep-alive connection (the callgrind runs of bench/tracing).
  requests.py PORT N
"""
import http.client
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(600):  # the server starts slowly under valgrind
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", "/hello")
        c.getresponse().read()
        break
    except OSError:
        time.sleep(0.1)
for _ in range(n):
    c.request("GET", "/hello")
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
