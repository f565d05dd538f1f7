/**
 * Runner throughput on the §5.1 sweep: runs per minute with one runner at concurrency 1 and 2
 * (fresh local stack on embedded PGlite, sweep placed on runners). `npm run bench:runner [-- --points 4 --repeats 2]`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPrunelabClient, expectOk } from "../src/client/index.js";
import { startLocalStack } from "../scripts/local-stack.js";

const { values: args } = parseArgs({ options: { points: { type: "string", default: "4" }, repeats: { type: "string", default: "2" } } });
const TOKEN = "bench-runner-token-0123456789";
const rows: string[] = [];

for (const concurrency of [1, 2]) {
  const dataDir = mkdtempSync(join(tmpdir(), "prunelab-bench-runner-"));
  const stack = await startLocalStack({ dataDir, port: 0, vars: { RUNNER_TOKEN: TOKEN } });
  try {
    const client = createPrunelabClient(stack.url);
    const grid = { "pruning.sparsity": Array.from({ length: Number(args.points) }, (_, i) => i / Number(args.points)) };
    const sweep = expectOk(await client.POST("/v1/sweeps", { body: { spec: { grid, repeats: Number(args.repeats) }, options: { placement: "runner" } } }));
    const started = performance.now();
    const runner = spawn(process.execPath, ["--import", "tsx", "src/runner/cli.ts", "--api", stack.url, "--token", TOKEN, "--concurrency", String(concurrency), "--json", "--poll-seconds", "0.2"], { stdio: "ignore" });
    let status = sweep.status;
    while (status !== "succeeded" && status !== "failed") {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = expectOk(await client.GET("/v1/sweeps/{hash}", { params: { path: { hash: sweep.hash } } })).status;
    }
    const minutes = (performance.now() - started) / 60_000;
    runner.kill("SIGTERM");
    rows.push(`| ${concurrency} | ${sweep.size} | ${(minutes * 60).toFixed(1)} | ${(sweep.size / minutes).toFixed(1)} |`);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
console.log("§5.1 sweep on one runner (wasm), from submit to the last result:\n");
console.log("| concurrency | runs | seconds | runs per minute |\n|---|---|---|---|");
for (const row of rows) console.log(row);
