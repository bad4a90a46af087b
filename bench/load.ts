/** node --import tsx bench/load.ts URL TOKEN SECONDS CONCURRENCY: a tiny closed-loop load generator; prints JSON. */
const [url, token, seconds, concurrency] = process.argv.slice(2);
const end = performance.now() + Number(seconds) * 1000;
const latencies: number[] = [];
let errors = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (!res.ok) errors++;
      latencies.push(performance.now() - t);
    }
  }),
);
latencies.sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify({ rps: latencies.length / Number(seconds), p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)], errors }),
);
