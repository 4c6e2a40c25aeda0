// e2e/realtime_rest in headless Chromium: a page of the TLS server (its test CA is not trusted by
// the browser: --ignore-certificate-errors) opens wss:// with the browser's own WebSocket client,
// exchanges text and binary messages and closes. Prints {text, binary, closeCode} as JSON.
const { chromium } = require("playwright-core");
(async () => {
  const [url] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--ignore-certificate-errors"] });
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(url + "/health");
  const got = await page.evaluate(async (base) => {
    const ws = new WebSocket(base + "/echo");
    ws.binaryType = "arraybuffer";
    const inbox = [];
    let waiting = null;
    ws.onmessage = (e) => { if (waiting) { const w = waiting; waiting = null; w(e.data); } else inbox.push(e.data); };
    const next = () => inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => { waiting = r; });
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error("wss error")); });
    ws.send("from chromium over tls");
    const text = await next();
    ws.send(new Uint8Array([0, 1, 2, 250, 251, 252]));
    const binary = Array.from(new Uint8Array(await next()));
    const closed = new Promise((r) => { ws.onclose = (e) => r(e.code); });
    ws.close(1000, "done");
    return { text, binary, closeCode: await closed };
  }, url.replace("https", "wss"));
  console.log(JSON.stringify(got));
  await browser.close();
})().catch(e => { console.error(e.message); process.exit(1); });
