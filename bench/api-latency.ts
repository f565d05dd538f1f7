/**
 * API latency on loopback: the §5.1 run end to end (submit with Prefer: wait), then a cached GET
 * (a succeeded run: Cache API, no database) and an uncached GET (a queued run: no-store, one
 * Postgres read per request), each over a few thousand requests with autocannon.
 * `npm run bench:api [-- --url http://127.0.0.1:8787]`; without --url it starts the local stack
 * (embedded PGlite) itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { createPrunelabClient, expectOk } from "../src/client/index.js";
import { startLocalStack } from "../scripts/local-stack.js";

const { values: args } = parseArgs({
  options: { url: { type: "string" }, requests: { type: "string", default: "3000" }, connections: { type: "string", default: "10" } },
});

const dataDir = args.url ? undefined : mkdtempSync(join(tmpdir(), "prunelab-bench-api-"));
const stack = args.url ? { url: args.url, stop: async () => {} } : await startLocalStack({ dataDir: dataDir!, port: 0 });
try {
  const client = createPrunelabClient(stack.url);
  const seed = Math.floor(Math.random() * 1e9); // a fresh spec, so the run really trains
  const started = performance.now();
  const run = expectOk(await client.POST("/v1/runs", { body: { spec: { seed } }, params: { header: { Prefer: "wait=60" } } }));
  const endToEnd = performance.now() - started;
  if (run.status !== "succeeded") throw new Error(`the §5.1 run did not finish within 60 s: ${run.status}`);
  const queued = expectOk(await client.POST("/v1/runs", { body: { spec: { seed: seed + 1 }, options: { placement: "runner" } } }));

  const measure = async (title: string, path: string) => {
    const result = await autocannon({ url: `${stack.url}${path}`, connections: Number(args.connections), amount: Number(args.requests) });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${title}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return { title, requests: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average };
  };
  const rows = [await measure("cached GET (succeeded run)", `/v1/runs/${run.hash}`), await measure("uncached GET (queued run, Postgres)", `/v1/runs/${queued.hash}`)];
  console.log(`§5.1 run end to end (submit with Prefer: wait → succeeded): ${(endToEnd / 1000).toFixed(2)} s (train ${run.provenance?.trainMs} ms)\n`);
  console.log(`| request | requests | median ms | p99 ms | req/s |\n|---|---|---|---|---|`);
  for (const row of rows) console.log(`| ${row.title} | ${row.requests} | ${row.p50} | ${row.p99} | ${row.rps.toFixed(0)} |`);
  console.log(`\n(${args.connections} connections on loopback; ratio uncached/cached median: ${(rows[1]!.p50 / Math.max(rows[0]!.p50, 0.001)).toFixed(1)}×)`);
} finally {
  await stack.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
