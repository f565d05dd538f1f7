import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/store/index.js";
import { createPgDb } from "../../src/store/node-clients.js";
import { createDatabase } from "../store/databases.js";

/**
 * `npm run deploy` (scripts/deploy.ts, docs/deploy.md) up to wrangler's dry run, against a
 * throwaway database: it migrates, then bundles the Worker without an account or the network;
 * it stops at the first failure without running the later steps.
 */
const ROOT = new URL("../../", import.meta.url).pathname;
const JOURNAL = JSON.parse(readFileSync(new URL("../../migrations/meta/_journal.json", import.meta.url), "utf8")) as { entries: unknown[] };

interface Outcome {
  code: number;
  output: string;
}

/** `npm run deploy -- <args>` with DATABASE_URL as given; wrangler's telemetry and update check off. */
function deploy(databaseUrl: string | undefined, args: string[]): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", WRANGLER_SEND_ERROR_REPORTS: "false", CI: "true" };
  delete env.DATABASE_URL;
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "deploy", "--", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? -1, output }));
  });
}

async function appliedMigrations(url: string): Promise<number> {
  const handle = createPgDb(url, 1);
  try {
    return rowsOf<{ n: number }>(await handle.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`))[0]!.n;
  } finally {
    await handle.close();
  }
}

describe("npm run deploy", () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  const work = mkdtempSync(join(tmpdir(), "prunelab-deploy-"));
  beforeAll(async () => {
    database = await createDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("migrates the database, then runs wrangler's dry run, which bundles the Worker", async () => {
    const outdir = join(work, "bundle");
    const outcome = await deploy(database.url, ["--dry-run", "--outdir", outdir]);
    expect(outcome.code, outcome.output).toBe(0);
    expect(outcome.output).toContain("deploy: migrations applied");
    expect(outcome.output).toContain("--dry-run: exiting now.");
    expect(outcome.output).toContain("env.EDGE_JOBS (prunelab-edge-jobs)");
    expect(outcome.output.indexOf("migrations applied")).toBeLessThan(outcome.output.indexOf("--dry-run: exiting now."));
    expect(await appliedMigrations(database.url)).toBe(JOURNAL.entries.length);
    const files = readdirSync(outdir);
    expect(files).toContain("worker.js");
    expect(files.some((file) => file.endsWith("openapi.yaml"))).toBe(true); // bundled as text for /docs
  }, 180_000);

  it("runs again on a migrated database (nothing pending) and stops when wrangler fails", async () => {
    const outcome = await deploy(database.url, ["--dry-run", "--no-such-option"]);
    expect(outcome.code).toBe(1);
    expect(outcome.output).toContain("deploy: migrations applied");
    expect(outcome.output).toContain("wrangler deploy failed (exit 1)");
    expect(await appliedMigrations(database.url)).toBe(JOURNAL.entries.length);
  }, 180_000);

  it("stops before anything when DATABASE_URL is missing or not a postgres URL", async () => {
    for (const url of [undefined, "", "mysql://somewhere/db"]) {
      const outcome = await deploy(url, ["--dry-run"]);
      expect(outcome.code).toBe(1);
      expect(outcome.output).toContain("DATABASE_URL");
      expect(outcome.output).toContain("Nothing was done");
      expect(outcome.output).not.toContain("wrangler deploy");
    }
  }, 60_000);

  it("stops before wrangler when the migrations fail, and says why", async () => {
    const outdir = join(work, "never");
    const outcome = await deploy("postgres://nobody@127.0.0.1:9/none", ["--dry-run", "--outdir", outdir]);
    expect(outcome.code).toBe(1);
    expect(outcome.output).toMatch(/the migrations failed: .*ECONNREFUSED/);
    expect(outcome.output).toContain("Nothing was deployed");
    expect(outcome.output).not.toContain("--dry-run: exiting now.");
    expect(existsSync(outdir)).toBe(false);
  }, 60_000);
});
