/**
 * `npm start`: the API in the real Workers runtime (wrangler dev) with an embedded database that
 * persists under .data/ (PGlite, served on loopback and reached by the same Neon driver code as
 * production). No server to install, no account, telemetry off.
 */
import { z } from "zod";
import { LOCAL_API_PORT, LOCAL_RUNNER_TOKEN, parseConfigOrThrow } from "../src/core/index.js";
import { startLocalStack } from "./local-stack.js";

const env = parseConfigOrThrow(
  z.object({
    PORT: z.coerce.number().int().min(1).max(65535).default(LOCAL_API_PORT),
    PRUNELAB_DATA: z.string().min(1).default(".data"),
    RUNNER_TOKEN: z.string().min(16).default(LOCAL_RUNNER_TOKEN),
  }),
  process.env,
  "npm start: invalid environment",
);

console.log("starting prunelab: embedded database, migrations, Workers runtime…");
const stack = await startLocalStack({ dataDir: env.PRUNELAB_DATA, port: env.PORT, vars: { RUNNER_TOKEN: env.RUNNER_TOKEN }, verbose: process.argv.includes("--verbose") });
console.log(`
prunelab is running at ${stack.url}
  API reference    ${stack.url}/docs
  health           ${stack.url}/healthz
  data             ${env.PRUNELAB_DATA}/ (kept across restarts)
  runner token     ${env.RUNNER_TOKEN}  (set RUNNER_TOKEN to change it)

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
