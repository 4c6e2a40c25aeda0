// Headless Chromium (playwright-core) opens an EventSource on the server and reports the events
// it receives: argv url, path, event names to listen for, and how many events to wait for. The
// Python side (e2e_sse.py) feeds the channel once the page says it is listening.
const { chromium } = require("playwright-core");
(async () => {
  const [url, path, names, want] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"] });
  const page = await browser.newPage();
  await page.goto(url + "/openapi.json");  // same origin as the stream
  const got = await page.evaluate(([path, names, want]) => new Promise((resolve, reject) => {
    const events = [];
    const es = new EventSource(path);
    for (const name of names.split(",")) {
      es.addEventListener(name, e => {
        events.push({ type: name, data: e.data, id: e.lastEventId });
        if (events.length >= Number(want)) { es.close(); resolve(events); }
      });
    }
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) reject(new Error("EventSource closed")); };
    setTimeout(() => { es.close(); resolve(events); }, 20000);
  }), [path, names, want]);
  console.log(JSON.stringify(got));
  await browser.close();
})().catch(e => { console.error(e.message); process.exit(1); });
