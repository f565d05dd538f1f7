import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { identifyRunSpec, parseRunSpec } from "../../src/core/index.js";
import { createNeonDb, createRunStore } from "../../src/store/index.js";

/** `$` and `#` mean something in a `.env` file: the token must still arrive as written. */
const RUNNER_TOKEN = "e2e-local-stack-$HOME-#runner-5c1f0a";
const API_KEY = "e2e-local-stack-api-key-9d2e4b";
const TINY = { data: { patchDim: 20, trainSize: 12, testSize: 12 }, model: { width: 4 }, training: { steps: 10, evalEvery: 10 } };

/** Every process's command line, as its arguments. */
function commandLines(): { pid: string; args: string[] }[] {
  const lines: { pid: string; args: string[] }[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      lines.push({ pid, args: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0") });
    } catch {
      /* it ended meanwhile */
    }
  }
  return lines;
}

/**
 * `npm start`'s stack (embedded PGlite, wrangler dev) beyond the requests: the Worker's cron runs
 * on a timer (wrangler does not fire cron triggers locally), so expired leases and lost wake-ups
 * are recovered with no request doing it; and the Worker's secrets never appear on a command line.
 */
describe("the embedded local stack", () => {
  let stack: LocalStack;
  const dataDir = mkdtempSync(join(tmpdir(), "prunelab-stack-e2e-"));
  let envFile: string | undefined;
  const write = { "content-type": "application/json", authorization: `Bearer ${API_KEY}` };
  const getRun = async (hash: string) => (await (await fetch(`${stack.url}/v1/runs/${hash}`)).json()) as { status: string; attempts: number; provenance?: { executor: string } };
  /** Polls the run (a GET, which recovers nothing) until it leaves `status`. */
  const whileStatus = async (hash: string, status: string, seconds: number) => {
    let run = await getRun(hash);
    for (let i = 0; i < seconds * 4 && run.status === status; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = await getRun(hash);
    }
    return run;
  };

  beforeAll(async () => {
    stack = await startLocalStack({ dataDir, port: 0, cronSeconds: 2, vars: { RUNNER_TOKEN, API_KEYS: API_KEY, LEASE_MIN_SECONDS: "1" } });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    if (envFile) expect(existsSync(envFile)).toBe(false); // removed with the stack
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps the runner token, the API keys and the database URL off every command line", () => {
    const lines = commandLines();
    const wrangler = lines.find(({ args }) => args.includes("dev") && args.includes(join(dataDir, "wrangler")));
    expect(wrangler, "this stack's wrangler dev process").toBeDefined(); // other processes' command lines are readable
    for (const { pid, args } of lines) {
      const line = args.join(" ");
      for (const secret of [RUNNER_TOKEN, API_KEY, stack.database.url]) expect(line.includes(secret), `process ${pid}: ${line.slice(0, 200)}`).toBe(false);
    }
    envFile = wrangler!.args[wrangler!.args.indexOf("--env-file") + 1];
    expect(statSync(envFile!).mode & 0o777).toBe(0o600);
    expect(readFileSync(envFile!, "utf8")).toMatch(/^RUNNER_TOKEN=/m);
  });

  it("passes the variables to the Worker as written", async () => {
    const lease = await fetch(`${stack.url}/v1/runner/lease`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${RUNNER_TOKEN}` },
      body: JSON.stringify({ runnerId: "checks-the-token" }),
    });
    expect([200, 204]).toContain(lease.status); // the token was accepted (jobs or none)
    expect((await fetch(`${stack.url}/v1/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401); // API_KEYS arrived
  });

  it("returns a job whose runner vanished to the queue by its cron, with no other request", async () => {
    const submitted = await fetch(`${stack.url}/v1/runs`, { method: "POST", headers: write, body: JSON.stringify({ spec: { ...TINY, seed: 4001 }, options: { placement: "runner" } }) });
    const { hash } = (await submitted.json()) as { hash: string };
    const lease = await fetch(`${stack.url}/v1/runner/lease`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${RUNNER_TOKEN}` },
      body: JSON.stringify({ runnerId: "vanishes", leaseSeconds: 1 }),
    });
    expect(lease.status).toBe(200);
    expect(((await lease.json()) as { jobs: { hash: string }[] }).jobs.map((job) => job.hash)).toEqual([hash]);
    expect((await getRun(hash)).status).toBe("running");
    // the runner never reports; only the cron can expire its lease (a lease request would too, so none is made)
    expect(await whileStatus(hash, "running", 60)).toMatchObject({ status: "queued", attempts: 1 });
  }, 90_000);

  it("trains an edge job whose wake-up was lost", async () => {
    // A queued edge job with no queue message: written to the database directly, as a lost wake-up leaves it.
    const identity = await identifyRunSpec(parseRunSpec({ ...TINY, seed: 4002 }));
    const handle = createNeonDb(stack.database.url, { wsProxy: stack.database.wsProxy, webSocketConstructor: ws });
    try {
      const { created } = await createRunStore(handle.db).submit({ hash: identity.hash, spec: JSON.parse(identity.canonical), placement: "edge", requirements: { kind: "synthetic", arch: null, dataset: null }, queuedCap: 1000 });
      expect(created).toBe(true);
    } finally {
      await handle.close();
    }
    await whileStatus(identity.hash, "queued", 60);
    expect(await whileStatus(identity.hash, "running", 60)).toMatchObject({ status: "succeeded", provenance: { executor: "edge" } });
  }, 150_000);
});
