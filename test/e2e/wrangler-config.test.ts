import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CONFIG = join(ROOT, "wrangler.toml");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/**
 * Runs the pinned wrangler offline: no metrics, and no banner (whose update check is the only
 * request a clean dry-run would make).
 */
function wrangler(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1", FORCE_COLOR: "0", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Workers Cache in the Wrangler configuration, as the pinned wrangler reads and deploys it (docs/decisions/008). */
describe("the Wrangler configuration enables Workers Cache", () => {
  const scratch = mkdtempSync(join(tmpdir(), "prunelab-wrangler-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("carries the cache block, as wrangler itself parses it", () => {
    expect(readFileSync(CONFIG, "utf8")).toMatch(/^\[cache\]\nenabled = true$/m);
    expect(unstable_readConfig({ config: CONFIG }).cache).toEqual({ enabled: true });
  });

  it("is accepted by wrangler deploy --dry-run, which bundles the Worker", async () => {
    const outdir = join(scratch, "bundle");
    const { code, output } = await wrangler(["deploy", "--dry-run", "--outdir", outdir]);
    expect(code, output).toBe(0);
    expect(output).toContain("--dry-run: exiting now.");
    expect(output).not.toMatch(/Unexpected fields found in cache field|"cache(\.enabled)?"/);
    expect(existsSync(join(outdir, "worker.js"))).toBe(true);
  }, 180_000);

  it("is validated by that dry-run: a malformed cache block fails it", async () => {
    const broken = join(scratch, "wrangler.toml");
    const text = readFileSync(CONFIG, "utf8").replace(/^\[cache\]\nenabled = true$/m, '[cache]\nenabled = "yes"').replace(/^main = .*$/m, `main = ${JSON.stringify(join(ROOT, "src", "worker.ts"))}`);
    writeFileSync(broken, text);
    const { code, output } = await wrangler(["deploy", "--dry-run", "--config", broken, "--outdir", join(scratch, "broken")]);
    expect(code).not.toBe(0);
    expect(output).toContain('"cache.enabled" to be of type boolean');
  }, 180_000);
});
