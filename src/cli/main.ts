/**
 * `prunelab` (bin/prunelab.mjs runs src/cli/prunelab.ts): the API from the command line, built on the typed
 * client. Human output by default, `--json` for scripts; exit codes in exit-codes.ts.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { createPrunelabClient, expectOk, type PrunelabClient } from "../client/index.js";
import { HASH_PATTERN, LOCAL_API_URL, LOCAL_RUNNER_TOKEN } from "../core/index.js";
import { CliError, EXIT, EXIT_CODE_HELP, classify } from "./exit-codes.js";
import { describeJob, describePresets, describeRun, describeSweep } from "./format.js";
import { reproduce } from "./reproduce.js";
import { submitJob, waitForJob, type Placement } from "./wait.js";


interface GlobalOptions {
  api: string;
  key?: string;
  json: boolean;
}

/** Reads a JSON spec from a file, or from stdin for `-`. The API validates it, so it is sent as read. */
function readSpec(source: string): unknown {
  let text: string;
  try {
    text = readFileSync(source === "-" ? 0 : source, "utf8");
  } catch (error) {
    throw new CliError(EXIT.usage, `cannot read ${source === "-" ? "stdin" : source}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(EXIT.usage, `${source === "-" ? "stdin" : source} is not JSON: ${(error as Error).message}`);
  }
}

const positiveSeconds = (value: string) => {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError("a positive number of seconds");
  return seconds;
};
const count = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new InvalidArgumentError("an integer from 0 to 64");
  return n;
};

function output(globals: GlobalOptions, value: unknown, human: string): void {
  process.stdout.write(globals.json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}

export function buildProgram(): Command {
  const program = new Command("prunelab")
    .description("Pruning-at-initialization experiments: submit specs, wait for results, fetch them by hash.")
    .addOption(new Option("--api <url>", "the prunelab API").env("PRUNELAB_API").default(LOCAL_API_URL))
    .addOption(new Option("--key <key>", "API key for writes, when the API requires one").env("PRUNELAB_KEY"))
    .option("--json", "print JSON on stdout (progress and messages go to stderr)", false)
    .addHelpText("after", `\n${EXIT_CODE_HELP}\n`)
    .showHelpAfterError()
    .exitOverride();

  const globals = () => program.opts<GlobalOptions>();
  const client = (): PrunelabClient => createPrunelabClient(globals().api, { token: globals().key });
  const apiUrl = () => globals().api.replace(/\/$/, "");
  const waitOptions = (options: { timeout: number }) => ({ timeoutSeconds: options.timeout, progress: !globals().json });
  const presetSpec = async (name: string, kind: "run" | "sweep") => {
    const preset = expectOk(await client().GET("/v1/presets/{name}", { params: { path: { name } } }));
    if (preset.kind !== kind) throw new CliError(EXIT.usage, `preset ${name} is a ${preset.kind}: use \`prunelab ${preset.kind} --preset ${name}\``);
    return preset.spec;
  };
  const placement = new Option("--placement <where>", "where to train").choices(["auto", "edge", "runner"] satisfies Placement[]).default("auto");
  const timeout = new Option("--timeout <seconds>", "give up waiting after this long (exit 6)").argParser(positiveSeconds).default(3600);

  const submitCommands = [
    { kind: "run", what: "a run spec (a JSON file, - for stdin, or --preset NAME); prints the run", wait: "wait for the result, with a progress bar" },
    { kind: "sweep", what: "a sweep spec (a JSON file, - for stdin, or --preset NAME); prints the sweep", wait: "wait until every run is final, with a progress bar" },
  ] as const;
  for (const { kind, what, wait } of submitCommands) {
    program
      .command(kind)
      .description(`submit ${what}`)
      .argument("[spec]", "spec.json or -")
      .option("--preset <name>", `submit a ${kind} preset instead of a file`)
      .option("--wait", wait, false)
      .addOption(placement)
      .addOption(timeout)
      .action(async (source: string | undefined, options: { preset?: string; wait: boolean; placement: Placement; timeout: number }) => {
        if (!source === !options.preset) throw new CliError(EXIT.usage, "give a spec file (or -) or --preset NAME");
        const spec = options.preset ? await presetSpec(options.preset, kind) : readSpec(source!);
        let job = await submitJob(client(), kind, spec, options.placement);
        if (options.wait) job = await waitForJob(client(), job, waitOptions(options));
        output(globals(), job.view, describeJob(job, apiUrl()));
        if (options.wait && job.view.status !== "succeeded") throw new CliError(EXIT.jobFailed, `${kind} ${job.view.hash} ${job.view.status}`);
      });
  }

  program
    .command("get")
    .description("fetch a run or a sweep by hash")
    .argument("<hash>", "64 hex digits")
    .action(async (hash: string) => {
      if (!HASH_PATTERN.test(hash)) throw new CliError(EXIT.usage, "a hash is 64 lowercase hex digits");
      const run = await client().GET("/v1/runs/{hash}", { params: { path: { hash } } });
      if (run.response.status !== 404) {
        const view = expectOk(run);
        return output(globals(), view, describeRun(view, apiUrl()));
      }
      const found = await client().GET("/v1/sweeps/{hash}", { params: { path: { hash } } });
      if (found.response.status === 404) throw new CliError(EXIT.notFound, `no run or sweep with hash ${hash}`);
      const sweep = expectOk(found);
      output(globals(), sweep, describeSweep(sweep, apiUrl()));
    });

  program
    .command("hash")
    .description("the hash and canonical form of a run or sweep spec, as the API computes them (no side effects)")
    .argument("<spec>", "spec.json or -")
    .action(async (source: string) => {
      const identity = expectOk(await client().POST("/v1/specs/hash", { body: readSpec(source) as never }));
      output(globals(), identity, identity.hash);
    });

  program
    .command("presets")
    .description("list the presets: the paper's figures and the theory's regime")
    .action(async () => {
      const presets = expectOk(await client().GET("/v1/presets"));
      output(globals(), presets, describePresets(presets));
    });

  program
    .command("reproduce")
    .description("run a preset to completion and write a report (report.md, chart.svg, table) under --out/<preset>/")
    .argument("<preset>", "preset name (see `prunelab presets`)")
    .option("--out <dir>", "where reports go", "reports")
    .addOption(new Option("--runners <n>", "trainings at once on a runner started for this; 0 = leave jobs to the API").argParser(count).default(availableParallelism()))
    .addOption(new Option("--runner-token <token>", "the API's runner token").env("RUNNER_TOKEN").default(LOCAL_RUNNER_TOKEN))
    // a reproduction waits as long as its preset trains (hours for the image presets): when it
    // gives up it stops the runner it started, so its default is a week, not a `--wait`'s hour
    .addOption(new Option("--timeout <seconds>", "give up waiting after this long (exit 6); the runner started for it stops then").argParser(positiveSeconds).default(7 * 24 * 3600))
    .action(async (name: string, options: { out: string; runners: number; runnerToken: string; timeout: number }) => {
      const report = await reproduce(client(), name, {
        apiUrl: apiUrl(),
        outDir: options.out,
        runnerConcurrency: options.runners,
        runnerToken: options.runnerToken,
        timeoutSeconds: options.timeout,
        progress: !globals().json,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      output(globals(), report, `${report.status}: report written to ${report.dir}/report.md`);
      if (report.status !== "succeeded") throw new CliError(EXIT.jobFailed, `${name} ${report.status}`);
    });

  return program;
}

/** Runs the CLI; resolves to its exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander printed the message
    const { code, message } = classify(error);
    process.stderr.write(`prunelab: ${message}\n`);
    return code;
  }
}
