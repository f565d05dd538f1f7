/**
 * `prunelab-runner` / `npm run runner`: a companion runner for large jobs. Configuration by flags,
 * or by environment variables (flags win). See docs/runner.md.
 */
import { hostname, availableParallelism } from "node:os";
import { Command, CommanderError, Option } from "commander";
import { z } from "zod";
import { createPrunelabClient } from "../client/index.js";
import { LOCAL_API_URL, describeIssues, epochProgressText } from "../core/index.js";
import { BackendUnavailable, RUNNER_BACKEND_NAMES } from "./backends.js";
import { createProgressFilter } from "./progress-log.js";
import { createRunner, FatalRunnerError, type RunnerEvent } from "./runner.js";
import { RUNNER_TRAINERS, type PreparedBackend } from "./trainers.js";

// commander reads the command line and the environment (flags win); zod checks the values, so that
// a bad value of either origin gets the same message and exit code 2.
const program = new Command("prunelab-runner")
  .description("Train prunelab's runner jobs on this machine (docs/runner.md).")
  .addOption(new Option("--api <url>", "the prunelab API").env("PRUNELAB_API").default(LOCAL_API_URL))
  .addOption(new Option("--token <token>", "the API's runner token; required").env("PRUNELAB_RUNNER_TOKEN"))
  .addOption(new Option("--id <name>", "this runner's id, recorded in each result's provenance").env("PRUNELAB_RUNNER_ID").default(`${hostname()}-${process.pid}`, "host-pid"))
  .addOption(new Option("--concurrency <n>", "trainings at once, one thread each").env("PRUNELAB_CONCURRENCY").default(availableParallelism(), "cores"))
  .addOption(new Option("--backend <name>", RUNNER_BACKEND_NAMES.join(" | ")).env("PRUNELAB_BACKEND").default("wasm"))
  .addOption(new Option("--lease-seconds <s>", "lease length asked for (the API clamps it)").env("PRUNELAB_LEASE_SECONDS").default(60))
  .addOption(new Option("--poll-seconds <s>", "wait between empty lease requests").default(2))
  .addOption(new Option("--data-dir <dir>", "where the image data sets are (docs/data.md); the runner declares those present").env("PRUNELAB_DATA_DIR"))
  .addOption(new Option("--python <path>", "the torch backend's Python interpreter, the one that has PyTorch").env("PRUNELAB_PYTHON").default("python3"))
  .addOption(new Option("--stall-seconds <s>", "the torch backend kills a training child that reports no progress for this long; its job is retried").env("PRUNELAB_STALL_SECONDS").default(600))
  .addOption(new Option("--log-every <s>", "without a terminal, log each synthetic job's progress at most this often (0: every step); image jobs log each epoch").env("PRUNELAB_LOG_EVERY").default(10))
  .option("--json", "structured logs even on a terminal", false)
  .showHelpAfterError()
  .exitOverride();
try {
  program.parse();
} catch (error) {
  // commander has printed the help, or the error and the help
  process.exit(error instanceof CommanderError && error.exitCode === 0 ? 0 : 2);
}

const parsed = z
  .object({
    api: z.url(),
    token: z.string({ error: "a runner token is required (--token or PRUNELAB_RUNNER_TOKEN)" }).min(1),
    id: z.string().min(1).max(128),
    concurrency: z.coerce.number().int().min(1).max(64),
    backend: z.enum(RUNNER_BACKEND_NAMES),
    leaseSeconds: z.coerce.number().min(1).max(600),
    pollSeconds: z.coerce.number().min(0.1).max(600),
    dataDir: z.string().min(1).optional(),
    python: z.string().min(1),
    stallSeconds: z.coerce.number().min(1).max(86_400),
    logEvery: z.coerce.number().min(0).max(3600),
    json: z.boolean(),
  })
  .safeParse(program.opts());
if (!parsed.success) {
  process.stderr.write(`prunelab-runner: ${describeIssues(parsed.error)}\n\n${program.helpInformation()}`);
  process.exit(2);
}
const config = parsed.data;

// Progress: one live line on a terminal, one JSON object per event otherwise, with each job's
// progress at most every --log-every seconds (leased, completed, failed and lost always).
const live = process.stdout.isTTY && !config.json;
const lines = new Map<string, string>();
const logged = createProgressFilter(config.logEvery);
function onEvent(event: RunnerEvent) {
  if (!live) {
    if (!logged(event)) return;
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), runner: config.id, ...event })}\n`);
    return;
  }
  if (event.event === "progress" && event.hash) {
    const progress =
      event.epoch !== undefined
        ? epochProgressText({ epoch: event.epoch, epochs: event.epochs!, level: event.level!, levels: event.levels!, loss: event.loss ?? null }, "line")
        : `${event.step}/${event.steps}${event.trainLoss != null ? ` loss ${event.trainLoss.toFixed(4)}` : ""}`;
    lines.set(event.hash, `${event.hash.slice(0, 8)} ${progress}`);
    process.stdout.write(`\r\x1b[K${[...lines.values()].join(" | ")}`);
    return;
  }
  if (event.hash) lines.delete(event.hash);
  if (event.event !== "idle" || event.message) process.stdout.write(`\r\x1b[K${event.event}${event.hash ? ` ${event.hash.slice(0, 12)}` : ""}${event.message ? `: ${event.message}` : ""}\n`);
}

let prepared: PreparedBackend;
try {
  // fail before leasing anything if the backend is missing
  prepared = await RUNNER_TRAINERS[config.backend]({ python: config.python, stallSeconds: config.stallSeconds, ...(config.dataDir ? { dataDir: config.dataDir } : {}) });
} catch (error) {
  process.stderr.write(`prunelab-runner: ${(error as Error).message}\n`);
  process.exit(error instanceof BackendUnavailable ? 3 : 1);
}
const { capabilities } = prepared;

const runner = createRunner({
  client: createPrunelabClient(config.api, { token: config.token }),
  runnerId: config.id,
  concurrency: config.concurrency,
  backend: config.backend,
  capabilities,
  spawnTrainer: () => prepared.spawnTrainer(),
  ...(config.dataDir ? { dataDir: config.dataDir } : {}),
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

const declared = [`kinds ${capabilities.kinds.join(", ")}`, ...(capabilities.kinds.includes("image") ? [`archs ${capabilities.archs.join(", ") || "none"}`, `data sets ${capabilities.datasets.join(", ") || "none"}`] : [])].join("; ");
onEvent({ event: "idle", message: `runner ${config.id} serving ${config.api} with ${config.concurrency} × ${prepared.description}; it trains ${declared}` });
try {
  await runner.start();
  process.exit(0);
} catch (error) {
  const message = error instanceof FatalRunnerError ? `the API refused this runner: ${error.message} (check --token)` : (error as Error).message;
  process.stderr.write(`\nprunelab-runner: ${message}\n`);
  process.exit(error instanceof FatalRunnerError ? 4 : 1);
}
