const { chromium } = require("playwright-core");
(async () => {
  const [url, shot] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"] });
  const page = await browser.newPage();
  await page.goto(url + "/docs");
  const op = "#operations-default-greet_get";
  await page.waitForSelector(op);
  const paths = await page.$$eval(".opblock-summary-path", els => els.map(e => e.textContent.replace(/\u200b/g, "")));
  await page.click(op + " .opblock-summary");
  await page.click(op + " .try-out__btn");
  await page.fill(op + " input[placeholder='name']", "Docs");
  await page.click(op + " .execute");
  await page.waitForSelector(op + " .live-responses-table .microlight");
  const body = await page.textContent(op + " .live-responses-table .microlight");
  await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ paths, body }));
  await browser.close();
})().catch(e => { console.error(e.message); process.exit(1); });
