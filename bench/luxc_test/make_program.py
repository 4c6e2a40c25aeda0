#!/usr/bin/env python3
"""Writes days.lux: a server with a nightly cron, an hourly `every` schedule, a job with retries
and 50 tests that each advance the simulated clock by a day (bench/luxc_test/run.sh)."""
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "days.lux"
lines = ['''server "bench" {
  var runs = 0

  background fn settle(day: Int) with { attempts: 3, backoff: "exponential", backoff_delay: 1000 } {
    runs += 1
    if runs % 3 == 1 {
      return Err("first try of {day} fails")
    }
    publish("settled", { day: day })
  }

  schedule "nightly" cron("0 3 * * *") {
    spawn_job(settle, 1)
  }

  schedule "hourly" every 1.hours {
    publish("tick", { at: Date.now() })
  }

  subscribe "settled" fn(e) {
    print("settled {e.day}")
  }
  subscribe "tick" fn(e) {
    print("tick {e.at}")
  }

  route GET "/runs" => fn() { { runs: runs } }
''']
for i in range(50):
    lines.append(f'''  test "day {i}" {{
    clock.advance(1.days)
    assert_eq(events.published("settled") |> len(), 1)
    assert_eq(events.published("tick") |> len(), 24)
    assert_eq(get("/runs").status, 200)
  }}
''')
lines.append("}\n")
with open(out, "w") as f:
    f.write("".join(lines))
