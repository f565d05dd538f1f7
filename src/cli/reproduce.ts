import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expectOk, type PrunelabClient, type Schemas } from "../client/index.js";
import { CliError, EXIT } from "./exit-codes.js";
import { reproductionReport } from "./format.js";
import { submitJob, waitForJob } from "./wait.js";

export interface ReproduceOptions {
  apiUrl: string;
  outDir: string;
  /** Trainings at once on a runner started for this reproduction; 0 leaves the jobs to the API's placement. */
  runnerConcurrency: number;
  runnerToken: string;
  timeoutSeconds: number;
  progress: boolean;
  log: (line: string) => void;
}

const RUNNER_BIN = fileURLToPath(new URL("../../bin/prunelab-runner.mjs", import.meta.url));

function startRunner(options: ReproduceOptions, logFile: string): ChildProcess {
  const child = spawn(process.execPath, [RUNNER_BIN, "--api", options.apiUrl, "--token", options.runnerToken, "--concurrency", String(options.runnerConcurrency), "--json", "--lease-seconds", "30"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => lines.push(chunk.toString());
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  child.on("exit", (code) => {
    writeFileSync(logFile, lines.join(""));
    if (code !== 0 && code !== null) options.log(`the runner exited with code ${code}; its log is in ${logFile}`);
  });
  return child;
}

async function stopRunner(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new CliError(EXIT.unavailable, `GET ${url} answered ${response.status}`);
  return response.text();
}

/**
 * Runs a preset against an API and writes a report (report.md, chart.svg, chart.json, the view as
 * JSON and, for a sweep, table.csv, and map.svg and map.json when it has a regime map) under `outDir/<preset>/`. With a runner concurrency it starts a
 * companion runner for the jobs and stops it when they are done.
 */
export async function reproduce(client: PrunelabClient, name: string, options: ReproduceOptions): Promise<{ dir: string; status: string }> {
  const preset: Schemas["Preset"] = expectOk(await client.GET("/v1/presets/{name}", { params: { path: { name } } }));
  const dir = join(options.outDir, preset.name);
  mkdirSync(dir, { recursive: true });
  const placement = options.runnerConcurrency > 0 ? "runner" : "auto";
  // Submit first: a preset already computed (or sharing its runs with one) needs no runner.
  const submitted = await submitJob(client, preset.kind, preset.spec, placement);
  const hash = submitted.view.hash;
  options.log(submitted.kind === "sweep" ? `sweep ${hash}: ${submitted.view.size} runs, ${submitted.view.counts.succeeded} already done` : `run ${hash}: ${submitted.view.status}`);
  const pending = submitted.view.status !== "succeeded";
  const runner = pending && options.runnerConcurrency > 0 ? startRunner(options, join(dir, "runner.log")) : undefined;
  try {
    const job = await waitForJob(client, submitted, { timeoutSeconds: options.timeoutSeconds, progress: options.progress });
    const base = `${options.apiUrl}/v1/${job.kind}s/${hash}`;
    writeFileSync(join(dir, `${job.kind}.json`), JSON.stringify(job.view, null, 2) + "\n");
    if (job.kind === "sweep" || job.view.result) {
      writeFileSync(join(dir, "chart.svg"), await fetchText(`${base}/chart.svg`));
      writeFileSync(join(dir, "chart.json"), await fetchText(`${base}/chart.json`));
    }
    let map = false;
    if (job.kind === "sweep") {
      writeFileSync(join(dir, "table.csv"), await fetchText(`${base}/table.csv`));
      // a sweep with two numeric axes has a regime map (404 otherwise)
      const response = await fetch(`${base}/map.json`);
      if (response.ok) {
        writeFileSync(join(dir, "map.json"), await response.text());
        writeFileSync(join(dir, "map.svg"), await fetchText(`${base}/map.svg`));
        map = true;
      } else if (response.status !== 404) throw new CliError(EXIT.unavailable, `GET ${base}/map.json answered ${response.status}`);
    }
    writeFileSync(join(dir, "report.md"), reproductionReport(preset, job, options.apiUrl, new Date().toISOString(), { map }));
    return { dir, status: job.view.status };
  } finally {
    if (runner) await stopRunner(runner);
  }
}
