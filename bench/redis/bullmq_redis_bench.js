// Redis bench, BullMQ side: the same work as lux_redis_bench.cpp on the same Redis. Several
// processes of one mode on one QUEUE are replicas (workers of one queue). One result line.
//   node bullmq_redis_bench.js fill PORT QUEUE N            addBulk of N due no-op jobs
//   node bullmq_redis_bench.js drain PORT QUEUE             a Worker (concurrency 4) until the queue is empty
//   node bullmq_redis_bench.js spawn PORT QUEUE RATE N      N jobs at RATE/s carrying their add time (us)
//   node bullmq_redis_bench.js work PORT QUEUE SECONDS      a Worker for SECONDS: pickup latencies on stderr
const { Queue, Worker } = require(process.env.BULLMQ_PATH || 'bullmq');
const { performance } = require('perf_hooks');

const [mode, port, queue, a, b] = process.argv.slice(2);
const connection = { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null };
const opts = { removeOnComplete: true, removeOnFail: true };
const wallUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function fill(n) {
  const q = new Queue(queue, { connection });
  await q.waitUntilReady();
  for (let i = 0; i < n; i += 1000)
    await q.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 'noop', data: [i + k, 'x'], opts })));
  await q.close();
  console.log(`filled=${n}`);
}

async function drain() {
  const start = wallUs();
  const q = new Queue(queue, { connection });
  let done = 0, last = 0;
  const w = new Worker(queue, async () => { last = wallUs(); done++; }, { connection, concurrency: 4 });
  await w.waitUntilReady();
  const limit = Date.now() + 180000;
  while (Date.now() < limit) {
    const c = await q.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'paused');
    if (Object.values(c).every((v) => v === 0)) break;
    await sleep(5);
  }
  await w.close();
  await q.close();
  console.log(`start_us=${start} last_done_us=${last} done=${done}`);
}

async function spawn(rate, n) {
  const q = new Queue(queue, { connection });
  await q.waitUntilReady();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    await q.add('noop', { t: wallUs() }, opts);
  }
  await q.close();
  console.log(`spawned=${n}`);
}

async function work(seconds) {
  const lat = [];
  const w = new Worker(queue, async (job) => { lat.push(wallUs() - job.data.t); }, { connection, concurrency: 4 });
  await w.waitUntilReady();
  await sleep(seconds * 1000);
  await w.close();
  process.stderr.write(lat.map((v) => `lat_us ${v}\n`).join(''));
  console.log(`done=${lat.length}`);
}

const run = { fill: () => fill(Number(a)), drain: () => drain(), spawn: () => spawn(Number(a), Number(b)), work: () => work(Number(a)) };
run[mode]().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
