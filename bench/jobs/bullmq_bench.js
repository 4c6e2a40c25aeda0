// Jobs bench, BullMQ side: the same work as lux_jobs_bench.cpp on a local Redis.
//   node bullmq_bench.js enqueue PORT CONC N   Queue.add of N jobs (delayed 1 h), CONC loops awaiting
//   node bullmq_bench.js execute PORT N        N no-op jobs, Worker concurrency 4: first add to last done
//   node bullmq_bench.js drain PORT N          addBulk of N jobs first, then a Worker (concurrency 4): start to last done
//   node bullmq_bench.js sched PORT TICKS      repeat pattern `* * * * * *`: start delay after the second
const { Queue, Worker } = require(process.env.BULLMQ_PATH || 'bullmq');

const [mode, port, a, b] = process.argv.slice(2);
const connection = { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null };
const name = 'bench-' + mode + '-' + process.pid;
const pct = (v, p) => (v.sort((x, y) => x - y), v[Math.min(v.length - 1, Math.floor(p * v.length))] || 0);
const opts = { removeOnComplete: true, removeOnFail: true };

async function enqueue(conc, n) {
  const q = new Queue(name, { connection });
  await q.waitUntilReady();
  const lat = [];
  const per = Math.floor(n / conc);
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: conc }, async () => {
    for (let i = 0; i < per; i++) {
      const s = process.hrtime.bigint();
      await q.add('noop', [i, 'x'], { ...opts, delay: 3600000 });
      lat.push(Number(process.hrtime.bigint() - s) / 1e3);
    }
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`ops_s=${(lat.length / secs).toFixed(0)} p50_us=${pct(lat, 0.5).toFixed(1)} p99_us=${pct(lat, 0.99).toFixed(1)} n=${lat.length} secs=${secs.toFixed(2)}`);
  await q.obliterate({ force: true });
  await q.close();
}

async function execute(n) {
  const q = new Queue(name, { connection });
  let done = 0, last = 0n, resolve;
  const finished = new Promise((r) => (resolve = r));
  const w = new Worker(name, async () => {
    last = process.hrtime.bigint();
    if (++done === n) resolve();
  }, { connection, concurrency: 4 });
  await q.waitUntilReady();
  await w.waitUntilReady();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await q.add('noop', [i, 'x'], opts);
  const enq = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.race([finished, new Promise((r) => setTimeout(r, 120000))]);
  const secs = Number(last - t0) / 1e9;
  console.log(`jobs_s=${(done / secs).toFixed(0)} done=${done} n=${n} secs=${secs.toFixed(2)} enqueue_secs=${enq.toFixed(2)}`);
  await w.close();
  await q.obliterate({ force: true });
  await q.close();
}

async function drain(n) {
  const q = new Queue(name, { connection });
  await q.waitUntilReady();
  for (let i = 0; i < n; i += 1000)
    await q.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 'noop', data: [i + k, 'x'], opts })));
  let done = 0, last = 0n, resolve;
  const finished = new Promise((r) => (resolve = r));
  const t0 = process.hrtime.bigint();
  const w = new Worker(name, async () => {
    last = process.hrtime.bigint();
    if (++done === n) resolve();
  }, { connection, concurrency: 4 });
  await Promise.race([finished, new Promise((r) => setTimeout(r, 120000))]);
  const secs = Number(last - t0) / 1e9;
  console.log(`jobs_s=${(done / secs).toFixed(0)} done=${done} n=${n} secs=${secs.toFixed(2)}`);
  await w.close();
  await q.obliterate({ force: true });
  await q.close();
}

async function sched(ticks) {
  const q = new Queue(name, { connection });
  const delays = [];
  let resolve;
  const finished = new Promise((r) => (resolve = r));
  const w = new Worker(name, async () => {
    let d = (Date.now() % 1000);
    if (d > 500) d -= 1000;
    delays.push(d);
    if (delays.length >= ticks) resolve();
  }, { connection, concurrency: 1 });
  await q.upsertJobScheduler('tick', { pattern: '* * * * * *' }, { name: 'tick', opts });
  await Promise.race([finished, new Promise((r) => setTimeout(r, (ticks + 3) * 1000))]);
  await w.close();
  await q.obliterate({ force: true });
  await q.close();
  console.log(`ticks=${delays.length} median_ms=${pct(delays, 0.5).toFixed(3)} max_ms=${Math.max(...delays).toFixed(3)}`);
}

const run = { enqueue: () => enqueue(Number(a), Number(b)), execute: () => execute(Number(a)), drain: () => drain(Number(a)), sched: () => sched(Number(a)) };
run[mode]().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
