/**
 * `npm start`: the API in the real Workers runtime (wrangler dev) with an embedded database that
 * persists under .data/ (PGlite, served on loopback and reached by the same Neon driver code as
 * production), and the Worker's cron fired on a timer. No server to install, no account,
 * telemetry off. A failure is one message that says what failed and what to do; `--verbose` adds
 * wrangler's output and the stack of an unexpected error.
 */
import { z } from "zod";
import { AppError, LOCAL_API_PORT, LOCAL_RUNNER_TOKEN, describeIssues } from "../src/core/index.js";
import { LocalStackError, startLocalStack } from "./local-stack.js";

const verbose = process.argv.includes("--verbose");

function fail(message: string): never {
  console.error(`prunelab could not start: ${message}`);
  process.exit(1);
}

const parsed = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(LOCAL_API_PORT),
    PRUNELAB_DATA: z.string().min(1).default(".data"),
    RUNNER_TOKEN: z.string().min(16).default(LOCAL_RUNNER_TOKEN),
    PRUNELAB_CRON_SECONDS: z.coerce.number().min(0).default(60),
  })
  .safeParse(process.env);
if (!parsed.success) fail(`invalid environment: ${describeIssues(parsed.error)}`);
const env = parsed.data;

console.log("starting prunelab: embedded database, migrations, Workers runtime…");
let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({
    dataDir: env.PRUNELAB_DATA,
    port: env.PORT,
    vars: { RUNNER_TOKEN: env.RUNNER_TOKEN },
    verbose,
    cronSeconds: env.PRUNELAB_CRON_SECONDS,
  });
} catch (error) {
  if (error instanceof LocalStackError || error instanceof AppError) fail(error.message);
  if (verbose) console.error(error);
  fail(`${(error as Error).message}${verbose ? "" : " (run `npm start -- --verbose` for details)"}`);
}
console.log(`
prunelab is running at ${stack.url}
  API reference    ${stack.url}/docs
  health           ${stack.url}/healthz
  data             ${env.PRUNELAB_DATA}/ (kept across restarts; PRUNELAB_DATA to change)
  runner token     ${env.RUNNER_TOKEN}  (set RUNNER_TOKEN to change it)
  cron             ${env.PRUNELAB_CRON_SECONDS > 0 ? `every ${env.PRUNELAB_CRON_SECONDS} s (PRUNELAB_CRON_SECONDS)` : "off (PRUNELAB_CRON_SECONDS=0)"}

Try:  curl -s -X POST ${stack.url}/v1/runs -H 'content-type: application/json' -H 'prefer: wait=30' -d '{"spec":{"pruning":{"sparsity":0.5}}}'
Stop with Ctrl-C.`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping…");
    await stack.stop();
    process.exit(0);
  });
}
