#!/usr/bin/env python3
# Redis bench summary: reads raw.txt lines "ROUND NAME key=value ..." written by
# bench/redis/run.sh and prints markdown tables of medians over the rounds (per-round values
# listed) and the lux/BullMQ ratios, 1 and 3 replicas.
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) < 3:
        continue
    rows[parts[1]].append(dict(p.split("=", 1) for p in parts[2:] if "=" in p))


def med(name, key):
    vals = [float(d[key]) for d in rows.get(name, []) if key in d]
    return statistics.median(vals) if vals else float("nan")


def per(name, key):
    return " / ".join(d.get(key, "?") for d in rows.get(name, []))


print("| case | key | per round | median |")
print("|---|---|---|---|")
for name in rows:
    for key in ("ops_s", "jobs_s", "events_s", "p50_us", "p99_us"):
        if any(key in d for d in rows[name]):
            print(f"| {name} | {key} | {per(name, key)} | {med(name, key):,.0f} |")

print()
print("| ratio (medians) | lux / BullMQ |")
print("|---|---|")
pairs = [
    ("enqueue, 1 thread/loop (ops/s)", "lux_enq_t1", "bull_enq_t1", "ops_s"),
    ("enqueue, 4 threads/loops (ops/s)", "lux_enq_t4", "bull_enq_t4", "ops_s"),
    ("drain, 1 replica (jobs/s)", "lux_drain_r1", "bull_drain_r1", "jobs_s"),
    ("drain, 3 replicas (jobs/s)", "lux_drain_r3", "bull_drain_r3", "jobs_s"),
    ("job pickup p50, 1 replica (lower is better)", "lux_joblat_r1", "bull_joblat_r1", "p50_us"),
    ("job pickup p50, 3 replicas", "lux_joblat_r3", "bull_joblat_r3", "p50_us"),
    ("job pickup p99, 1 replica", "lux_joblat_r1", "bull_joblat_r1", "p99_us"),
    ("job pickup p99, 3 replicas", "lux_joblat_r3", "bull_joblat_r3", "p99_us"),
    ("lux event p50 / BullMQ job pickup p50, 1 replica", "lux_evlat_r1", "bull_joblat_r1", "p50_us"),
    ("lux event p50 / BullMQ job pickup p50, 3 replicas", "lux_evlat_r3", "bull_joblat_r3", "p50_us"),
]
for label, a, b, key in pairs:
    print(f"| {label} | {med(a, key) / med(b, key):.2f} |")
print()
print("| scaling (medians) | 3 replicas / 1 |")
print("|---|---|")
for label, a, b, key in [("lux drain", "lux_drain_r3", "lux_drain_r1", "jobs_s"),
                         ("BullMQ drain", "bull_drain_r3", "bull_drain_r1", "jobs_s"),
                         ("lux event throughput", "lux_evtp_r3", "lux_evtp_r1", "events_s")]:
    print(f"| {label} | {med(a, key) / med(b, key):.2f} |")
