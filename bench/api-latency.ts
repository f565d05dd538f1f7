/**
 * API hot paths on loopback (docs/decisions/011-hot-paths.md): the §5.1 run end to end (submit
 * with Prefer: wait), then, at fixed connection counts, requests per second, p50/p99 latency and
 * error counts of each endpoint a re-run of a sweep or a dashboard hits, side by side with the
 * cached GET of a succeeded run (Cache API, no database) as the reference:
 *
 * - cached `GET /v1/runs/{hash}` (the reference);
 * - `POST /v1/runs` re-submitting a known, succeeded spec (what every re-run of a script does);
 * - `GET /v1/runs/{hash}` of a queued run (no-store: one Postgres read per request);
 * - `GET /v1/runs?limit=20`;
 * - `GET /v1/sweeps/{hash}` of a succeeded sweep;
 * - `POST /v1/specs/hash` (pure: no database).
 *
 * `npm run bench:api [-- --url URL] [--connections 1,4,32] [--seconds 5] [--key KEY]`. Without
 * --url it starts the local stack (embedded PGlite) itself. `--url` may be given more than once,
 * as `label=URL`, to measure several running stacks (say, before and after a change) interleaved:
 * each endpoint and connection count is measured on every target in turn, so a shared machine's
 * noise falls on all of them alike. Loopback only; every measurement is bounded in time and count.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startLocalStack } from "../scripts/local-stack.js";

const { values: args } = parseArgs({
  options: {
    url: { type: "string", multiple: true },
    connections: { type: "string", default: "1,4,32" },
    seconds: { type: "string", default: "5" },
    /** Caps each measurement's requests, whatever its duration. */
    "max-requests": { type: "string", default: "20000" },
    /** An API key, when the target's writes are gated (API_KEYS). */
    key: { type: "string" },
  },
});

const connectionCounts = args.connections.split(",").map(Number);
const seconds = Number(args.seconds);
const maxRequests = Number(args["max-requests"]);
if (connectionCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) throw new Error("--connections: whole numbers from 1 to 256, comma-separated");
if (!(seconds > 0 && seconds <= 60)) throw new Error("--seconds: from 0 to 60");
if (!(maxRequests > 0 && maxRequests <= 200_000)) throw new Error("--max-requests: from 1 to 200000");

interface Target {
  label: string;
  url: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
function parseTarget(text: string, index: number): Target {
  const match = /^([^=/]+)=(.+)$/.exec(text);
  const url = new URL(match ? match[2]! : text);
  if (!LOOPBACK.has(url.hostname)) throw new Error(`--url ${text}: this benchmark loads the API hard; loopback only`);
  return { label: match ? match[1]! : `target ${index + 1}`, url: url.origin };
}

const dataDir = args.url ? undefined : mkdtempSync(join(tmpdir(), "prunelab-bench-api-"));
const stack = args.url ? undefined : await startLocalStack({ dataDir: dataDir!, port: 0 });
const targets: Target[] = args.url ? args.url.map(parseTarget) : [{ label: "local stack", url: stack!.url }];

const authorization: Record<string, string> = args.key ? { authorization: `Bearer ${args.key}` } : {};
const json = { "content-type": "application/json", ...authorization };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return { status: response.status, body };
}

/** A small run spec (trains in well under a second on the edge). */
const small = (seed: number) => ({ seed, data: { patchDim: 24, trainSize: 16, testSize: 16 }, model: { width: 6 }, training: { steps: 40, evalEvery: 10 } });

interface Endpoint {
  name: string;
  method: "GET" | "POST";
  path: string;
  body?: string;
}

/** Stores what the endpoints read (a succeeded run and sweep, a queued run) and warms the caches. */
async function prepare(target: Target): Promise<{ endpoints: Endpoint[]; endToEndS: number; trainMs: unknown }> {
  const seed = Math.floor(Math.random() * 1e9); // fresh specs, so the runs really train
  const started = performance.now();
  const run = await call(`${target.url}/v1/runs`, { method: "POST", headers: { ...json, prefer: "wait=60" }, body: JSON.stringify({ spec: { seed } }) });
  const endToEndS = (performance.now() - started) / 1000;
  if (run.body.status !== "succeeded") throw new Error(`${target.label}: the §5.1 run did not finish within 60 s: ${String(run.body.status)}`);
  const queued = await call(`${target.url}/v1/runs`, { method: "POST", headers: json, body: JSON.stringify({ spec: { seed: seed + 1 }, options: { placement: "runner" } }) });

  const sweepSpec = { base: small(seed), grid: { "pruning.sparsity": [0, 0.5] }, repeats: 2 };
  const sweep = await call(`${target.url}/v1/sweeps`, { method: "POST", headers: json, body: JSON.stringify({ spec: sweepSpec }) });
  const sweepPath = `/v1/sweeps/${String(sweep.body.hash)}`;
  for (let i = 0; ; i++) {
    const { body } = await call(`${target.url}${sweepPath}`);
    if (body.status === "succeeded") break;
    if (body.status === "failed" || i >= 240) throw new Error(`${target.label}: the sweep did not succeed within 120 s: ${String(body.status)}`);
    await sleep(500);
  }
  const runPath = `/v1/runs/${String(run.body.hash)}`;
  for (const path of [runPath, sweepPath]) {
    await call(`${target.url}${path}`); // stored in the Cache API by this read (after the response)
    await sleep(200);
  }
  return {
    endToEndS,
    trainMs: (run.body.provenance as { trainMs?: number } | null)?.trainMs,
    endpoints: [
      { name: "cached GET /v1/runs/{hash} (reference)", method: "GET", path: runPath },
      { name: "POST /v1/runs, known succeeded spec", method: "POST", path: "/v1/runs", body: JSON.stringify({ spec: { seed } }) },
      { name: "GET /v1/runs/{hash}, queued run", method: "GET", path: `/v1/runs/${String(queued.body.hash)}` },
      { name: "GET /v1/runs?limit=20", method: "GET", path: "/v1/runs?limit=20" },
      { name: "GET /v1/sweeps/{hash}, succeeded", method: "GET", path: sweepPath },
      { name: "POST /v1/specs/hash", method: "POST", path: "/v1/specs/hash", body: JSON.stringify({ spec: { seed } }) },
    ],
  };
}

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
}

async function measure(target: Target, endpoint: Endpoint, connections: number): Promise<Measurement> {
  const result = await autocannon({
    url: `${target.url}${endpoint.path}`,
    method: endpoint.method,
    headers: endpoint.method === "POST" ? json : authorization,
    ...(endpoint.body === undefined ? {} : { body: endpoint.body }),
    connections,
    duration: seconds,
    maxOverallRequests: maxRequests,
    timeout: 10,
  });
  await sleep(500); // let the closed connections drain before the next measurement
  return {
    rps: result["2xx"] / Math.max(result.duration, 0.001),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
  };
}

try {
  const prepared = [];
  for (const target of targets) prepared.push(await prepare(target));
  const results = targets.map(() => new Map<string, Measurement>());
  const key = (endpoint: number, connections: number) => `${endpoint}@${connections}`;
  for (const connections of connectionCounts) {
    for (let e = 0; e < prepared[0]!.endpoints.length; e++) {
      for (let t = 0; t < targets.length; t++) {
        const endpoint = prepared[t]!.endpoints[e]!;
        const m = await measure(targets[t]!, endpoint, connections);
        results[t]!.set(key(e, connections), m);
        console.error(`${targets[t]!.label}: ${endpoint.name} at ${connections}: ${m.rps.toFixed(0)} req/s, ${m.non2xx} non-2xx, ${m.socketErrors + m.timeouts} errors`);
      }
    }
  }

  const names = prepared[0]!.endpoints.map((endpoint) => endpoint.name);
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  for (let t = 0; t < targets.length; t++) {
    console.log(`\n### ${targets[t]!.label} (${targets[t]!.url})\n`);
    console.log(`§5.1 run end to end (submit with Prefer: wait → succeeded): ${prepared[t]!.endToEndS.toFixed(2)} s (train ${String(prepared[t]!.trainMs)} ms)\n`);
    console.log("| endpoint | connections | req/s (2xx) | × cached GET | p50 ms | p99 ms | non-2xx | socket errors | timeouts |");
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const connections of connectionCounts) {
      const reference = results[t]!.get(key(0, connections))!;
      names.forEach((name, e) => {
        const m = results[t]!.get(key(e, connections))!;
        console.log(`| ${name} | ${connections} | ${fmt(m.rps)} | ${(m.rps / Math.max(reference.rps, 0.001)).toFixed(2)} | ${m.p50} | ${m.p99} | ${m.non2xx} | ${m.socketErrors} | ${m.timeouts} |`);
      });
    }
  }
  if (targets.length > 1) {
    const [first, ...others] = targets;
    console.log(`\n### Side by side: req/s (2xx), and each target's ratio to ${first!.label}\n`);
    console.log(`| endpoint | connections | ${targets.map((t) => t.label).join(" | ")} | ${others.map((t) => `${t.label} / ${first!.label}`).join(" | ")} |`);
    console.log(`|---|---:|${targets.map(() => "---:").join("|")}|${others.map(() => "---:").join("|")}|`);
    for (const connections of connectionCounts) {
      names.forEach((name, e) => {
        const rps = results.map((r) => r.get(key(e, connections))!.rps);
        const ratios = rps.slice(1).map((value) => (rps[0]! > 0 ? `${(value / rps[0]!).toFixed(2)}×` : "—"));
        console.log(`| ${name} | ${connections} | ${rps.map(fmt).join(" | ")} | ${ratios.join(" | ")} |`);
      });
    }
  }
  console.log(`\n(loopback; ${seconds} s or ${maxRequests} requests per measurement, whichever ends first; errors: non-2xx answers, and sockets that failed or timed out after 10 s)`);
} finally {
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
