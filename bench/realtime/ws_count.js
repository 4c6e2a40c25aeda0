// The client of bench/realtime/ws_instructions.sh: opens CONNS connections to URL, echoes WARM
// messages of SIZE bytes (WINDOW in flight per connection), prints "ready" and waits for a line
// on stdin, then echoes COUNT more and prints "done" once every echo came back.
//   node ws_count.js URL CONNS WINDOW SIZE WARM COUNT
const WebSocket = require("ws");
const [url, conns, window_, size, warm, count] = [process.argv[2], ...process.argv.slice(3).map(Number)];
const msg = "x".repeat(size);
const sockets = [];
let open = 0;
function phase(total, then) {
  let sent = 0, got = 0;
  const perConn = Math.ceil(total / conns);
  for (const ws of sockets) {
    let mine = 0;
    const more = () => { if (mine < perConn && sent < total) { mine++; sent++; ws.send(msg); } };
    ws.removeAllListeners("message");
    ws.on("message", () => { if (++got === total) then(); else more(); });
    for (let k = 0; k < window_; k++) more();
  }
}
for (let i = 0; i < conns; i++) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on("open", () => {
    if (++open === conns) phase(warm, () => {
      console.log("ready");
      process.stdin.once("data", () => phase(count, () => { console.log("done"); for (const s of sockets) s.terminate(); process.exit(0); }));
    });
  });
  ws.on("error", (e) => { console.error(e.message); process.exit(1); });
  sockets.push(ws);
}
