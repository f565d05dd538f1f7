import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";

/** `$` and `#` mean something in a `.env` file: the token must still arrive as written. */
const RUNNER_TOKEN = "e2e-local-stack-$HOME-#runner-5c1f0a";
const API_KEY = "e2e-local-stack-api-key-9d2e4b";

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

/** `npm start`'s stack (embedded PGlite, wrangler dev): the Worker's secrets never appear on a command line. */
describe("the embedded local stack", () => {
  let stack: LocalStack;
  const dataDir = mkdtempSync(join(tmpdir(), "prunelab-stack-e2e-"));
  let envFile: string | undefined;

  beforeAll(async () => {
    stack = await startLocalStack({ dataDir, port: 0, vars: { RUNNER_TOKEN, API_KEYS: API_KEY } });
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
});
