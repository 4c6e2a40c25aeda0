// The load client of bench/realtime/ws_bench.sh: CONNS connections to URL, each keeping WINDOW
// text messages of SIZE bytes in flight for SECS seconds; prints the echoed messages per second
// (counted after a one-second warm-up), the messages echoed over the whole run and the client's own
// CPU time per message in nanoseconds.
//   node ws_load.js URL CONNS WINDOW SIZE SECS
const WebSocket = require("ws");
const [url, conns, window_, size, secs] = [process.argv[2], ...process.argv.slice(3).map(Number)];
const msg = "x".repeat(size);
let echoed = 0, total = 0, counting = false, open = 0;
const sockets = [];
for (let i = 0; i < conns; i++) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on("open", () => {
    for (let k = 0; k < window_; k++) ws.send(msg);
    if (++open === conns) start();
  });
  ws.on("message", () => {
    total++;
    if (counting) echoed++;
    ws.send(msg);
  });
  ws.on("error", (e) => { console.error(e.message); process.exit(1); });
  sockets.push(ws);
}
let cpu0;
function start() {
  cpu0 = process.cpuUsage();
  setTimeout(() => {  // one second of warm-up
    counting = true;
    const t0 = process.hrtime.bigint();
    setTimeout(() => {
      counting = false;
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);  // microseconds of this process since the connections opened
      console.log(Math.round(echoed / s), total, Math.round(((cpu.user + cpu.system) * 1000) / Math.max(total, 1)));
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }, secs * 1000);
  }, 1000);
}
