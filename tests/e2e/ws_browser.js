// e2e/ws in headless Chromium: a page of the server opens WebSockets with the browser's own client
// (Origin set by the browser, the token as the `bearer` subprotocol) and exchanges messages.
// Prints {welcome, joined, said, feed, protocol} as JSON.
const { chromium } = require("playwright-core");
(async () => {
  const [url, token] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"] });
  const page = await browser.newPage();
  await page.goto(url + "/health");
  const got = await page.evaluate(async ([base, token]) => {
    const open = (path, protocols) => new Promise((resolve, reject) => {
      const ws = new WebSocket(base + path, protocols);
      const inbox = [];
      let waiting = null;
      ws.onmessage = (e) => { if (waiting) { const w = waiting; waiting = null; w(e.data); } else inbox.push(e.data); };
      ws.onerror = () => reject(new Error("websocket error on " + path));
      ws.onopen = () => resolve({ ws, next: () => inbox.length ? Promise.resolve(inbox.shift())
                                                               : new Promise((r) => { waiting = r; }) });
    });
    const a = await open("/chat");
    const b = await open("/chat");
    const welcome = JSON.parse(await a.next());
    await b.next();
    a.ws.send(JSON.stringify({ type: "join", room: "web" }));
    const joined = JSON.parse(await a.next());
    b.ws.send(JSON.stringify({ type: "join", room: "web" }));
    await b.next();
    b.ws.send(JSON.stringify({ type: "say", room: "web", text: "from the browser" }));
    const said = JSON.parse(await a.next());
    const feed = await open("/secure/feed", ["bearer", token]);
    const text = await feed.next();
    const closed = new Promise((r) => { a.ws.onclose = (e) => r(e.code); });
    a.ws.send(JSON.stringify({ type: "close" }));
    return { welcome, joined, said, feed: text, protocol: feed.ws.protocol, closeCode: await closed };
  }, [url.replace("http", "ws"), token]);
  console.log(JSON.stringify(got));
  await browser.close();
})().catch(e => { console.error(e.message); process.exit(1); });
