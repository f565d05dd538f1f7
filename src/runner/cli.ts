/**
 * `prunelab-runner` / `npm run runner`: a companion runner for large jobs. Configuration by flags,
 * or by environment variables (flags win). See docs/runner.md.
 */
import { hostname, availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { createPrunelabClient } from "../client/index.js";
import { LOCAL_API_URL, describeIssues } from "../core/index.js";
import { BackendUnavailable, RUNNER_BACKEND_NAMES, RUNNER_BACKENDS } from "./backends.js";
import { createRunner, FatalRunnerError, type RunnerEvent } from "./runner.js";

const HELP = `prunelab-runner: train prunelab's runner jobs on this machine

  --api URL            the prunelab API (PRUNELAB_API; default ${LOCAL_API_URL})
  --token TOKEN        the runner token (PRUNELAB_RUNNER_TOKEN; required)
  --id NAME            this runner's id (PRUNELAB_RUNNER_ID; default host-pid)
  --concurrency N      trainings at once, one thread each (PRUNELAB_CONCURRENCY; default: cores)
  --backend NAME       ${RUNNER_BACKEND_NAMES.join(" | ")} (PRUNELAB_BACKEND; default wasm)
  --lease-seconds S    lease length asked for (PRUNELAB_LEASE_SECONDS; default 60)
  --poll-seconds S     wait between empty lease requests (default 2)
  --json               structured logs even on a terminal
`;

const { values: flags } = parseArgs({
  options: {
    api: { type: "string" },
    token: { type: "string" },
    id: { type: "string" },
    concurrency: { type: "string" },
    backend: { type: "string" },
    "lease-seconds": { type: "string" },
    "poll-seconds": { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const parsed = z
  .object({
    api: z.url().default(LOCAL_API_URL),
    token: z.string({ error: "a runner token is required (--token or PRUNELAB_RUNNER_TOKEN)" }).min(1),
    id: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
    concurrency: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
    backend: z.enum(RUNNER_BACKEND_NAMES).default("wasm"),
    leaseSeconds: z.coerce.number().min(1).max(600).default(60),
    pollSeconds: z.coerce.number().min(0.1).max(600).default(2),
  })
  .safeParse({
    api: flags.api ?? process.env.PRUNELAB_API,
    token: flags.token ?? process.env.PRUNELAB_RUNNER_TOKEN,
    id: flags.id ?? process.env.PRUNELAB_RUNNER_ID,
    concurrency: flags.concurrency ?? process.env.PRUNELAB_CONCURRENCY,
    backend: flags.backend ?? process.env.PRUNELAB_BACKEND,
    leaseSeconds: flags["lease-seconds"] ?? process.env.PRUNELAB_LEASE_SECONDS,
    pollSeconds: flags["poll-seconds"],
  });
if (!parsed.success) {
  process.stderr.write(`prunelab-runner: ${describeIssues(parsed.error)}\n\n${HELP}`);
  process.exit(2);
}
const config = parsed.data;

// Progress: one live line on a terminal, one JSON object per event otherwise.
const live = process.stdout.isTTY && !flags.json;
const lines = new Map<string, string>();
function onEvent(event: RunnerEvent) {
  if (!live) {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), runner: config.id, ...event })}\n`);
    return;
  }
  if (event.event === "progress" && event.hash) {
    lines.set(event.hash, `${event.hash.slice(0, 8)} ${event.step}/${event.steps}${event.trainLoss != null ? ` loss ${event.trainLoss.toFixed(4)}` : ""}`);
    process.stdout.write(`\r\x1b[K${[...lines.values()].join(" | ")}`);
    return;
  }
  if (event.hash) lines.delete(event.hash);
  if (event.event !== "idle" || event.message) process.stdout.write(`\r\x1b[K${event.event}${event.hash ? ` ${event.hash.slice(0, 12)}` : ""}${event.message ? `: ${event.message}` : ""}\n`);
}

try {
  await RUNNER_BACKENDS[config.backend](); // fail before leasing anything if the backend is missing
} catch (error) {
  process.stderr.write(`prunelab-runner: ${(error as Error).message}\n`);
  process.exit(error instanceof BackendUnavailable ? 3 : 1);
}

const runner = createRunner({
  client: createPrunelabClient(config.api, { token: config.token }),
  runnerId: config.id,
  concurrency: config.concurrency,
  backend: config.backend,
  leaseSeconds: config.leaseSeconds,
  pollSeconds: config.pollSeconds,
  onEvent,
});

let signals = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    signals++;
    // first signal: stop leasing, finish running jobs; second: abandon them (their leases expire)
    void runner.stop({ abandon: signals > 1 });
  });
}

onEvent({ event: "idle", message: `runner ${config.id} serving ${config.api} with ${config.concurrency} × ${config.backend}` });
try {
  await runner.start();
  process.exit(0);
} catch (error) {
  const message = error instanceof FatalRunnerError ? `the API refused this runner: ${error.message} (check --token)` : (error as Error).message;
  process.stderr.write(`\nprunelab-runner: ${message}\n`);
  process.exit(error instanceof FatalRunnerError ? 4 : 1);
}
