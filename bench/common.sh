# Sourced by the bench scripts. lux_runtime_libs BUILD_DIR prints, one per line, what a
# hand-written server links to use the runtime: CMake writes the list generated programs link
# (<build>/lux_link_libraries.txt, compiler/driver/CMakeLists.txt), so a new runtime dependency
# is named in one place. The standard library (only generated code calls it) is left out.
lux_runtime_libs() {
  tr ';' '\n' < "$1/lux_link_libraries.txt" | grep -v -e '^$' -e 'liblux_stdlib'
  echo -lpthread
}

# build_bench_server BUILD_DIR OUTPUT: bench/runtime/bench_server.cpp (the hand-written JSON
# route) linked against that build's runtime, optimised and with symbols for the profilers.
build_bench_server() {
  local libs
  mapfile -t libs < <(lux_runtime_libs "$1")
  ${CXX:-g++} -std=c++20 -O2 -g -DNDEBUG -I"$ROOT/runtime/include" "$ROOT/bench/runtime/bench_server.cpp" "${libs[@]}" -o "$2"
}

# The servers' CPU time so far (user + sys, in clock ticks) of process $1, from /proc.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# bench_round RUN PORT PID RES SETTLE PATH [WRK ARGS...]: one round of wrk (pinned to CPU 1,
# $CONNS connections for $DURATION) against http://127.0.0.1:PORT PATH served by process PID;
# appends "RUN PORT req/s p99 CPU-µs-per-request" to RES. SETTLE seconds are waited before the
# second CPU reading (work a server finishes after its last answer; 0: none). A non-2xx answer
# stops the bench.
bench_round() {
  local run=$1 port=$2 pid=$3 res=$4 settle=$5 path=$6
  shift 6
  local c0 c1 out n cpu
  c0=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$@" "http://127.0.0.1:$port$path")
  [ "$settle" = 0 ] || sleep "$settle"
  c1=$(cpu_ticks "$pid")
  if echo "$out" | grep -q "Non-2xx"; then echo "port $port: non-2xx responses" >&2; exit 1; fi
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  cpu=$(python3 -c "print('%.2f' % (($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / $n))")
  echo "$run $port $(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="99%" {print $2}') $cpu" >>"$res"
}

# bench_cost_table RES WHAT BASE_PORT BASE_NAME PORT NAME: the Markdown table of bench_round's rows
# for the two servers (medians over the rounds), then the cost of WHAT — the median over rounds of
# the second server's req/s loss and extra CPU per request against the first.
bench_cost_table() {
  python3 - "$@" <<'PY'
import sys, statistics
res, what, base, base_name, port, name = sys.argv[1:7]
rows = [l.split() for l in open(res)]
ports = (base, port)
rps = {p: [float(r[2]) for r in rows if r[1] == p] for p in ports}
p99 = {p: [r[3] for r in rows if r[1] == p] for p in ports}
cpu = {p: [float(r[4]) for r in rows if r[1] == p] for p in ports}
cost = statistics.median(1 - b / a for a, b in zip(rps[base], rps[port]))
cpu_cost = statistics.median(b / a - 1 for a, b in zip(cpu[base], cpu[port]))
print("| server | req/s (median) | p99 (median of rounds) | CPU µs/request (median) | rounds |")
print("|---|---|---|---|---|")
for p, n in ((base, base_name), (port, name)):
    print(f"| {n} | {statistics.median(rps[p]):,.0f} | {sorted(p99[p])[len(p99[p]) // 2]} | {statistics.median(cpu[p]):.1f} | {len(rps[p])} |")
print(f"\ncost of {what}: {cost * 100:.1f}% of req/s, {cpu_cost * 100:.1f}% more CPU per request (medians of the per-round ratios)")
PY
}
