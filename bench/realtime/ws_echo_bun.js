// The second comparison server of bench/realtime/ws_bench.sh: Bun's built-in WebSocket server
// (Bun.serve, uWebSockets underneath) echoing every message.
//   bun ws_echo_bun.js PORT
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  fetch(req, server) {
    if (server.upgrade(req)) return undefined;
    return new Response("websocket only", { status: 426 });
  },
  websocket: {
    perMessageDeflate: false,
    message(ws, message) {
      ws.send(message);
    },
  },
});
