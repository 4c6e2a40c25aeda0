#!/usr/bin/env python3
# Jobs bench summary: reads raw.txt lines "ROUND NAME key=value ..." written by run.sh
# and prints a markdown table of medians over the rounds (per-round ops/s listed too) and the
# lux/BullMQ ratios (durable enqueue, execution, memory-only enqueue).
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)  # name -> [dict per round]
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) < 3:
        continue
    rows[parts[1]].append(dict(p.split("=", 1) for p in parts[2:] if "=" in p))


def med(name, key):
    vals = [float(d[key]) for d in rows.get(name, []) if key in d]
    return statistics.median(vals) if vals else float("nan")


print("| case | per round | median | p50 us | p99 us |")
print("|---|---|---|---|---|")
for name in rows:
    if name.endswith("_sched"):
        continue
    key = "jobs_s" if name.endswith(("_exec", "_drain")) else "ops_s"
    per = " / ".join(d.get(key, "?") for d in rows[name])
    p50 = "" if key == "jobs_s" else "%.0f" % med(name, "p50_us")
    p99 = "" if key == "jobs_s" else "%.0f" % med(name, "p99_us")
    print(f"| {name} ({key}) | {per} | {med(name, key):,.0f} | {p50} | {p99} |")
for name in ("lux_sched", "bull_sched"):
    for d in rows.get(name, []):
        print(f"| {name} | ticks {d.get('ticks')} | median {d.get('median_ms')} ms | max {d.get('max_ms')} ms | |")

print()
print("| ratio (medians) | lux / BullMQ |")
print("|---|---|")
pairs = [
    ("durable enqueue, 1 thread: lux NORMAL / BullMQ AOF everysec", "lux_normal_enq_t1", "bull_aof_enq_t1", "ops_s"),
    ("durable enqueue, 4 threads/loops", "lux_normal_enq_t4", "bull_aof_enq_t4", "ops_s"),
    ("fsync'd enqueue, 1 thread: lux FULL / BullMQ AOF everysec", "lux_full_enq_t1", "bull_aof_enq_t1", "ops_s"),
    ("fsync'd enqueue, 4 threads", "lux_full_enq_t4", "bull_aof_enq_t4", "ops_s"),
    ("memory enqueue, 1 thread: lux :memory: / BullMQ no persistence", "lux_mem_enq_t1", "bull_mem_enq_t1", "ops_s"),
    ("memory enqueue, 4 threads/loops", "lux_mem_enq_t4", "bull_mem_enq_t4", "ops_s"),
    ("execution (first enqueue to last done), durable", "lux_normal_exec", "bull_aof_exec", "jobs_s"),
    ("execution, memory", "lux_mem_exec", "bull_mem_exec", "jobs_s"),
    ("drain of N stored jobs, durable", "lux_normal_drain", "bull_aof_drain", "jobs_s"),
]
for label, a, b, key in pairs:
    print(f"| {label} | {med(a, key) / med(b, key):.2f} |")
