/**
 * Chart rendering cost: Vega-Lite → SVG with Vega's interpreter (the workerd-safe path) against
 * Vega's compiled expressions (what a browser or Node would use), side by side, on a Figure 2a-sized
 * sweep (10 points × 2 noise levels, with their mean curves), its regime map, and a §5.1-length run (101 evaluations; and 1001, thinned to 400).
 * `npm run bench:charts [-- --repeat 15]`. Prints medians and the interpreter/compiled ratio.
 */
import { parseArgs } from "node:util";
import { View, parse } from "vega";
import { compile } from "vega-lite";
import { renderSvg } from "../src/charts/svg.js";
import {
  aggregateSweep,
  expandSweep,
  parseSyntheticSpec,
  parseSweepSpec,
  regimeMap,
  runChart,
  specAt,
  sweepChart,
  theoryScales,
  type SyntheticRunResult as RunResult,
  type SyntheticRunSpec,
  type VegaLiteSpec,
} from "../src/core/index.js";
import { useNodeBackend } from "../src/engine/node.js";
import { train } from "../src/engine/train.js";

const { values: args } = parseArgs({ options: { repeat: { type: "string", default: "15" } } });
const repeat = Number(args.repeat);

await useNodeBackend("wasm");
const small = { data: { patchDim: 20, trainSize: 10, testSize: 10 }, model: { width: 4 }, training: { steps: 20, evalEvery: 10 } };
const sweep = parseSweepSpec({ base: { ...small, training: { steps: 1000, evalEvery: 10 } }, grid: { "pruning.sparsity": [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], "data.noiseStd": [0.5, 1] }, repeats: 2 });
const members = expandSweep(sweep);
const results: RunResult[] = [];
for (const member of members) results.push(await train(member.spec as SyntheticRunSpec));
const run101 = await train(parseSyntheticSpec({ ...small, training: { steps: 1000, evalEvery: 10 } }));
const run1001 = await train(parseSyntheticSpec({ ...small, training: { steps: 1000, evalEvery: 1 } }));

const rows = aggregateSweep(sweep, members, results);
const charts: [string, VegaLiteSpec][] = [
  ["sweep, 20 points × 2 metrics, 20 mean curves of 101 evaluations", sweepChart(sweep, rows, "bench")],
  ["regime map of the same sweep, 20 cells × 3 maps, theory lines", regimeMap(sweep, rows, "bench", undefined, (point) => theoryScales(specAt(sweep, point) as SyntheticRunSpec))],
  ["run, 101 evaluations", runChart(run101, "bench")],
  ["run, 1001 evaluations (400 drawn)", runChart(run1001, "bench")],
];

async function compiled(spec: VegaLiteSpec): Promise<string> {
  const view = new View(parse(compile(spec as never).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

async function median(render: () => Promise<string>): Promise<number> {
  await render(); // warm-up: module loading and JIT
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    await render();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

console.log(`median of ${repeat} renders, Node ${process.versions.node}`);
console.log("| chart | interpreter (workerd path) ms | compiled expressions ms | ratio | SVG bytes |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, spec] of charts) {
  const interpreted = await median(() => renderSvg(spec));
  const native = await median(() => compiled(spec));
  const bytes = (await renderSvg(spec)).length;
  console.log(`| ${name} | ${interpreted.toFixed(1)} | ${native.toFixed(1)} | ${(interpreted / native).toFixed(2)} | ${bytes} |`);
}
