/**
 * `npm run deploy [-- <wrangler deploy options>]`: applies pending migrations to the production
 * database, then deploys the Worker with `wrangler deploy`, passing the options through
 * (`-- --dry-run` bundles without uploading). Migrations run first because the Worker refuses to
 * serve a database that is behind it (503 `schema_behind`, docs/architecture.md, Measured facts),
 * while the Worker still running accepts one that is ahead. Stops at the first failure, saying
 * what failed and what state it left. The whole procedure: docs/deploy.md.
 */
import { spawn } from "node:child_process";
import { databaseUrlSchema } from "../src/core/index.js";
import { migrateDatabase } from "../src/store/migrate.js";
import { createPgDb } from "../src/store/node-clients.js";

const wranglerArgs = process.argv.slice(2);

function stop(message: string): never {
  console.error(`\ndeploy: ${message}`);
  process.exit(1);
}

/** An error and its causes, one line (drizzle wraps the driver's error: "Failed query: …"). */
function explain(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message.trim().split("\n")[0]! || (e as NodeJS.ErrnoException).code || e.name);
  return parts.join(": ");
}

/** `host/database` of a connection string, without credentials, for messages. */
function describe(url: URL): string {
  return `${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
}

// 1. The database: the direct (not pooled) connection string (docs/deploy.md, "Two connection strings").
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  stop(
    "DATABASE_URL is not set. Set it to the production database's direct connection string (Neon: the host without -pooler), e.g.\n" +
      "  DATABASE_URL='postgresql://…@ep-….neon.tech/neondb?sslmode=require' npm run deploy\n" +
      "Nothing was done. See docs/deploy.md.",
  );
}
let target: URL;
try {
  databaseUrlSchema.parse(databaseUrl); // the check npm run migrate and the Worker make
  target = new URL(databaseUrl);
} catch {
  stop("DATABASE_URL must be a postgres:// or postgresql:// URL. Nothing was done.");
}
if (target.hostname.includes("-pooler.")) {
  console.warn(
    "deploy: DATABASE_URL is Neon's pooled host (-pooler). Migrations should use the direct host (drop -pooler); the pooled string is the Worker's secret. See docs/deploy.md.",
  );
}

// 2. Migrations, before the Worker that needs them.
console.log(`deploy: applying migrations to ${describe(target)}…`);
const handle = createPgDb(databaseUrl, 1);
try {
  await migrateDatabase(handle);
} catch (error) {
  await handle.close().catch(() => {});
  stop(`the migrations failed: ${explain(error)}\nNothing was deployed, and a failed migration is rolled back (they run in one transaction). Fix the cause and run npm run deploy again.`);
}
await handle.close();
console.log("deploy: migrations applied");

// 3. The Worker.
console.log(`deploy: wrangler deploy ${wranglerArgs.join(" ")}`.trimEnd());
const code = await new Promise<number>((resolve) => {
  const child = spawn("npx", ["wrangler", "deploy", ...wranglerArgs], {
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false" },
  });
  child.on("error", (error) => {
    console.error(error);
    resolve(127);
  });
  child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
});
if (code !== 0) {
  stop(
    `wrangler deploy failed (exit ${code}). The migrations were applied; the Worker already deployed, if any, keeps serving (a database ahead of it is fine). ` +
      "Fix the cause (not logged in: npx wrangler login, or set CLOUDFLARE_API_TOKEN) and run npm run deploy again.",
  );
}
console.log(wranglerArgs.includes("--dry-run") ? "deploy: dry run done (migrations applied, Worker bundled, nothing uploaded)" : "deploy: done. Check it: docs/deploy.md, \"After a deploy\".");
