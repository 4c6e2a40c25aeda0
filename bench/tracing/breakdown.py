#!/usr/bin/env python3
"""Where the instructions tracing adds to a request go: reads the callgrind files
bench/tracing/callgrind.sh leaves (cg.{off,on}.{N1,N2}; MODE json: cg.json.*, the OTLP JSON
exporter) and prints, per request, the exclusive instructions of MODE minus `off` summed by part (the encoder, the span's start and attributes, the
queue, ...), then the functions that add the most. Exclusive costs only: the fibers' context
switches make callgrind's inclusive costs cycle, so they are not used.
  bench/tracing/breakdown.py [DIR [N1 N2 [TOP [MODE]]]]   # DIR: build/bench-tracing, N1 200, N2 2200, TOP 15, MODE on
"""
import collections
import re
import subprocess
import sys

d = sys.argv[1] if len(sys.argv) > 1 else "build/bench-tracing"
n1, n2 = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (200, 2200)
top = int(sys.argv[4]) if len(sys.argv) > 4 else 15
mode = sys.argv[5] if len(sys.argv) > 5 else "on"


def load(path):
    out = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=no", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(.*)", line)
        if m and ":" in m.group(2):
            costs[m.group(2).strip()] = costs.get(m.group(2).strip(), 0) + int(m.group(1).replace(",", ""))
    return costs


def per_request(mode):
    a, b = load(f"{d}/cg.{mode}.{n1}"), load(f"{d}/cg.{mode}.{n2}")
    return {k: (b.get(k, 0) - a.get(k, 0)) / (n2 - n1) for k in set(a) | set(b)}


on, off = per_request(mode), per_request("off")
diff = {k: on.get(k, 0) - off.get(k, 0) for k in set(on) | set(off) if not k.startswith("PROGRAM TOTALS")}
parts = collections.OrderedDict([
    ("OTLP encoding (otlp_proto.cpp, otlp_json.cpp; exporter's thread)", r"otlp_proto|otlp_json|EncodeOtlp"),
    ("server span's host:port splits at export (SplitHostPort; exporter's thread)", r"SplitHostPort"),
    ("server span's fixed fields filled (ServerFields::Set; request's thread)", r"ServerFields"),
    ("span start, attributes, end (instrument.cpp, span.cpp/.h; request's thread)",
     r"tracing/instrument|tracing/span|tracing/copy_short|SpanData|StartServerSpan|EndServerSpan|WithContext|AcquireRecord|RecycleSpans|NowNs|system_clock"),
    ("span queue and its mutex (batch_queue.cpp)", r"batch_queue|pthread_mutex|BatchQueue"),
    ("Headers::Get (Host, User-Agent)", r"message\.cpp"),
    ("malloc/free", r"malloc|free|operator new|operator delete"),
    ("memcpy/memset (libc)", r"memmove|memcpy|memset|strlen|memcmp"),
    ("the POSTs (client, Asio, Beast, fibers)", r"boost|client\.cpp|fcontext|epoll|asio|beast"),
])
sums = collections.Counter()
for k, v in diff.items():
    for part, pattern in parts.items():
        if re.search(pattern, k):
            sums[part] += v
            break
    else:
        sums["other (inlined library code, noise)"] += v
print(f"instructions per request, {mode} - off: {sum(diff.values()):,.0f}")
for part in list(parts) + ["other (inlined library code, noise)"]:
    print(f"  {sums[part]:7,.0f}  {part}")
print("functions adding the most (exclusive, per request):")
for v, k in sorted(((v, k) for k, v in diff.items()), reverse=True)[:top]:
    name = re.sub(r" \[[^]]*\]$", "", k)
    print(f"  {v:7,.0f}  {name[:150]}")
