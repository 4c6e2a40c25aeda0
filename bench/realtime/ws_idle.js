// The idle-connection client of bench/realtime/ws_bench.sh: opens N WebSocket connections to URL
// (at most 200 handshakes at a time), prints "open N" once all are open, then holds them until
// stdin closes or the server closes one.
//   node ws_idle.js URL N
const WebSocket = require("ws");
const [url, n] = [process.argv[2], Number(process.argv[3])];
let open = 0, started = 0;
const held = [];
function next() {
  if (started >= n) return;
  started++;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on("open", () => {
    held.push(ws);
    if (++open === n) console.log(`open ${open}`);
    next();
  });
  ws.on("error", (e) => { console.error(`connection ${started}: ${e.message}`); process.exit(1); });
  ws.on("close", () => process.exit(0));  // the server went away: nothing left to hold
}
for (let i = 0; i < 200; i++) next();
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
