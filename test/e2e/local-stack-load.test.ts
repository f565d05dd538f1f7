import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { identifyRunSpec, parseRunSpec } from "../../src/core/index.js";

const TOTAL = 1000;
const CONCURRENCY = 50;
const DISTINCT = 100;
/** Ten steps: draining a hundred of them stays quick. */
const specOf = (i: number) => ({ data: { patchDim: 20, trainSize: 12, testSize: 12 }, model: { width: 4 }, training: { steps: 10, evalEvery: 10 }, seed: i % DISTINCT });

/**
 * `npm start`'s stack (embedded PGlite behind the WebSocket proxy, wrangler dev) under concurrent
 * submits (docs/decisions/009-local-stack-under-load.md): every request is answered (503 only with
 * Retry-After), exactly the distinct runs are created, and the edge queue's consumer trains every
 * one of them afterwards. The cron is off, so the consumer alone must do it.
 */
describe("the embedded local stack under 50 concurrent submits", () => {
  let stack: LocalStack;
  const dataDir = mkdtempSync(join(tmpdir(), "prunelab-load-e2e-"));

  beforeAll(async () => {
    stack = await startLocalStack({ dataDir, port: 0, cronSeconds: 0 });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers 1,000 submits without a 5xx, creates each distinct run once and trains them all", async () => {
    const unexpected: string[] = [];
    const answered = new Set<string>();
    let next = 0;
    const submitter = async () => {
      for (let i = next++; i < TOTAL; i = next++) {
        for (let attempt = 0; ; attempt++) {
          let response: Response;
          let body: string;
          try {
            response = await fetch(`${stack.url}/v1/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ spec: specOf(i) }) });
            body = await response.text();
          } catch (error) {
            unexpected.push(`no answer: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
            break;
          }
          if (response.status === 200 || response.status === 202) {
            answered.add(JSON.parse(body).hash);
            break;
          }
          const retryAfter = Number(response.headers.get("retry-after"));
          if (response.status === 503 && retryAfter > 0 && attempt < 5) {
            await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 5) * 1000));
            continue;
          }
          unexpected.push(`${response.status} ${body.slice(0, 200)}`);
          break;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, submitter));
    expect(unexpected).toEqual([]);

    const expected = new Set(await Promise.all(Array.from({ length: DISTINCT }, async (_, i) => (await identifyRunSpec(parseRunSpec(specOf(i)))).hash)));
    expect(answered).toEqual(expected);
    const listed: string[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = (await (await fetch(`${stack.url}/v1/runs?limit=100${cursor ? `&cursor=${cursor}` : ""}`)).json()) as { items: { hash: string }[]; nextCursor: string | null };
      listed.push(...page.items.map((item) => item.hash));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(listed).toHaveLength(DISTINCT);
    expect(new Set(listed)).toEqual(expected);

    const statuses = async () =>
      Promise.all([...expected].map(async (hash) => ((await (await fetch(`${stack.url}/v1/runs/${hash}`)).json()) as { status: string; provenance?: { executor: string } })));
    let runs = await statuses();
    for (let i = 0; i < 120 && !runs.every((run) => run.status === "succeeded"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      runs = await statuses();
    }
    expect(runs.map((run) => run.status)).toEqual(Array(DISTINCT).fill("succeeded"));
    expect(runs.every((run) => run.provenance?.executor === "edge")).toBe(true);
  }, 300_000);
});
