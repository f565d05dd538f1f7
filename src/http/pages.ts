import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import {
  METRIC_LABELS,
  METRIC_NAMES,
  densityToSparsity,
  fixed,
  isFinalStatus,
  meanStd,
  pairedText,
  parameterLabel,
  thinCurve,
  type AggregateRow,
  type ImageRunResult,
  type KindName,
  type KindResults,
  type SyntheticRunResult,
  type SyntheticRunSpec,
} from "../core/index.js";
import { imageChartNote, imageRunDetails, imageRunPending, imageRunResult, imageSweepTable } from "./pages-image.js";
import type { Problem } from "./problem.js";
import type { SweepView } from "./sweeps.js";
import type { RunView } from "./views.js";

/**
 * The human pages at /view/…: the chart rendered on the server as inline SVG and the tables, with
 * no script at all, so a page works offline, prints, and allows the strictest CSP.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:2rem}
code{font-size:.85em;background:#f3f3f3;padding:.1em .3em;border-radius:3px}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right} th{background:#fafafa}
td:first-child,th:first-child{text-align:left}
.status{display:inline-block;padding:.1rem .5rem;border-radius:1rem;background:#eee;font-weight:600}
.status-succeeded{background:#d9f2d9} .status-failed,.status-canceled{background:#f8d7d7} .status-running{background:#fff1c2}
.chart{margin:0} .chart svg{max-width:100%;height:auto} nav a{margin-right:1rem} pre{background:#f7f7f7;padding:.75rem;overflow:auto}
td.stat{white-space:nowrap} .table-scroll{overflow-x:auto}
`;

function page(title: string, refresh: boolean, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh ? html`<meta http-equiv="refresh" content="5">` : ""}
<title>${title} · prunelab</title>
<style>${raw(STYLE)}</style>
</head>
<body>
${body}
<footer><p><small>prunelab · <a href="/docs">API reference</a></small></p></footer>
</body>
</html>`;
}

const short = (hash: string) => hash.slice(0, 12);
const statusBadge = (status: string) => html`<span class="status status-${status}" data-status="${status}">${status}</span>`;

function mapSection(svg: string | null): Html {
  return html`<h2>Regime map</h2>
<figure class="chart" id="map">${svg === null ? html`<p>No results yet.</p>` : raw(svg)}</figure>
<p>Mean test error; the change in test error against the dense run of the same seed (paired; blue where pruning helps, outlined where
|mean| &lt; 2 standard errors); mean training error. Lines: the theory's density scales and Condition 2.2, where they fall on the axes.</p>`;
}

function chartSection(svg: string | null, links: Html): Html {
  return html`<h2>Chart</h2>
<figure class="chart" id="chart">${svg === null ? html`<p>No results yet.</p>` : raw(svg)}</figure>
<p>${links}</p>`;
}

/**
 * The aggregate, one row per grid point: the grid values (and sparsity next to density), then the
 * counts and the final metrics in words. A `mean ± std` cell never wraps (class `stat`); a table
 * wider than the page scrolls inside its own box.
 */
/** What a paired column holds, for its header's title. */
export const PAIRED_TITLE =
  "test error minus that of the dense run (density 1) of the same seed and other grid values: mean ± standard error over seeds, and how many seeds pruning improved";

function syntheticSweepTable(view: SweepView): Html {
  const keys = Object.keys(view.spec.grid);
  const hasDensity = keys.includes("pruning.density");
  const paired = view.aggregate.some((row) => row.paired !== null);
  const rows = view.aggregate.map(
    (row: AggregateRow) => html`<tr>
${keys.map((key) => html`<td>${String(row.point[key])}</td>`)}
${hasDensity ? html`<td>${String(densityToSparsity(row.point["pruning.density"] as number))}</td>` : ""}
<td>${row.completed}/${row.runs}</td><td>${row.diverged}</td><td>${row.missingSignalNeurons}</td>
${METRIC_NAMES.map((name) => html`<td class="stat">${meanStd(row.final[name])}</td>`)}
${paired ? html`<td class="stat">${pairedText(row.paired)}</td>` : ""}
</tr>`,
  );
  return html`<div class="table-scroll"><table id="aggregate">
<thead><tr>${keys.map((key) => html`<th title="${key}">${parameterLabel(key)}</th>`)}${hasDensity ? html`<th title="fraction of weights pruned">sparsity</th>` : ""}<th>runs done</th><th>runs diverged</th><th title="runs in which some class has no filter keeping its signal coordinate">runs without a signal neuron</th>
${METRIC_NAMES.map((name) => html`<th title="${name}: mean ± sample standard deviation over the runs">${METRIC_LABELS[name]}</th>`)}${paired ? html`<th title="${PAIRED_TITLE}">test error vs dense (paired)</th>` : ""}</tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

/**
 * A sweep's page. `map` is its regime map when the sweep has one (two numeric axes), its SVG null
 * until a member has a result (docs/decisions/015-paired-comparisons-and-regime-maps.md).
 */
export function sweepPage(view: SweepView, svg: string | null, title: string, map: { svg: string | null } | null = null): Html {
  const final = isFinalStatus(view.status);
  const counts = Object.entries(view.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const base = `/v1/sweeps/${view.hash}`;
  return page(
    `Sweep ${short(view.hash)}`,
    !final,
    html`<h1>${title}</h1>
<p>Sweep <code>${view.hash}</code> ${statusBadge(view.status)} · ${view.size} runs: ${counts} · ${view.spec.repeats} repeats per point</p>
<nav><a href="${base}">JSON</a><a href="${base}/table.csv">CSV</a><a href="${base}/chart.json">Vega-Lite</a><a href="${base}/chart.svg">SVG</a>${map ? html`<a href="${base}/map.json">map (Vega-Lite)</a><a href="${base}/map.svg">map (SVG)</a>` : ""}</nav>
${chartSection(svg, html`Mean ± sample standard deviation over the runs of each point that have a result.`)}
${map ? mapSection(map.svg) : ""}
<h2>Aggregate (mean ± std of final metrics)</h2>
${pagesOf(view.spec.base.kind).sweepTable(view)}
<h2>Spec</h2>
<pre>${JSON.stringify(view.spec, null, 2)}</pre>
<details><summary>Member runs</summary>
<ul>${view.members.map((m) => html`<li><a href="/view/runs/${m.hash}">${short(m.hash)}</a> point ${m.pointIndex}, repeat ${m.repeat}: ${m.status}</li>`)}</ul>
</details>`,
  );
}

/** The parts of the pages that depend on the experiment kind. */
interface KindPages<K extends KindName> {
  /** A run's result: its final metrics and what else the kind reports. */
  runResult(view: RunView, result: KindResults[K]): Html;
  /** A run without a result or an error: how far it is. */
  runPending(view: RunView): Html;
  /** Under the chart: how often the curves are evaluated. */
  chartNote(view: RunView): Html;
  /** Below the chart: the curve as a table. */
  runDetails(result: KindResults[K]): Html;
  /** A sweep's aggregate table. */
  sweepTable(view: SweepView): Html;
}

/** The page parts of each experiment kind (docs/architecture.md, Experiment kinds): one entry per kind. */
const KIND_PAGES: { [K in KindName]: KindPages<K> } = {
  synthetic: {
    runResult: (_view, result: SyntheticRunResult) => html`<table id="final"><thead><tr><th>metric</th><th>train</th><th>test</th></tr></thead><tbody>
<tr><td>0-1 error</td><td>${fixed(result.final.trainError)}</td><td>${fixed(result.final.testError)}</td></tr>
<tr><td>cross-entropy loss</td><td>${fixed(result.final.trainLoss, 5)}</td><td>${fixed(result.final.testLoss, 5)}</td></tr>
</tbody></table>
<p>Signal neurons per class (filters whose mask keeps the signal coordinate): ${result.diagnostics.signalNeurons.join(", ")} ·
realized density ${fixed(result.diagnostics.realizedDensity, 4)}${result.diverged ? html` · <strong>diverged</strong>` : ""}</p>
<p>Theory scales: ${Object.entries(result.diagnostics.theory).map(([name, value]) => html`<code>${name} = ${typeof value === "number" ? value.toPrecision(4) : String(value)}</code> `)}</p>`,
    runPending: (view) => html`<p>${view.progress ? `Training: step ${view.progress.step} of ${(view.spec as SyntheticRunSpec).training.steps}.` : "Waiting to be trained."}</p>`,
    chartNote: (view) => html`Curves are evaluated every ${(view.spec as SyntheticRunSpec).training.evalEvery} steps.`,
    runDetails: (result: SyntheticRunResult) => html`<details><summary>Curve (${result.curve.length} evaluations${result.curve.length > 50 ? ", 50 shown" : ""})</summary>
<table id="curve"><thead><tr><th>step</th>${METRIC_NAMES.map((name) => html`<th>${METRIC_LABELS[name]}</th>`)}<th>signal alignment</th><th>noise alignment</th></tr></thead><tbody>
${thinCurve(result.curve, 50).map(
  (p) => html`<tr><td>${p.step}</td>${METRIC_NAMES.map((name) => html`<td>${fixed(p[name], 4)}</td>`)}<td>${p.signalAlignment.map((v) => fixed(v)).join(" / ")}</td><td>${fixed(p.noiseAlignment)}</td></tr>`,
)}
</tbody></table></details>`,
    sweepTable: syntheticSweepTable,
  },
  image: {
    runResult: imageRunResult,
    runPending: imageRunPending,
    chartNote: imageChartNote,
    runDetails: (result: ImageRunResult) => imageRunDetails(result),
    sweepTable: imageSweepTable,
  },
};

const pagesOf = (kind: KindName) => KIND_PAGES[kind] as unknown as KindPages<KindName>;

export function runPage(view: RunView, svg: string | null, title: string): Html {
  const { error, result } = view;
  const parts = pagesOf(view.spec.kind);
  const final = isFinalStatus(view.status);
  const base = `/v1/runs/${view.hash}`;
  const metrics = result ? parts.runResult(view, result) : error ? html`<p>Error <code>${error.code}</code>: ${error.message}</p>` : parts.runPending(view);
  return page(
    `Run ${short(view.hash)}`,
    !final,
    html`<h1>${title}</h1>
<p>Run <code>${view.hash}</code> ${statusBadge(view.status)} · placement ${view.placement}</p>
<nav><a href="${base}">JSON</a><a href="${base}/chart.json">Vega-Lite</a><a href="${base}/chart.svg">SVG</a></nav>
<h2>Result</h2>
${metrics}
${chartSection(svg, parts.chartNote(view))}
${result ? parts.runDetails(result) : ""}
<h2>Spec</h2>
<pre>${JSON.stringify(view.spec, null, 2)}</pre>`,
  );
}

/** What to try next, by status class, in a sentence. */
function nextStep(status: number): string {
  if (status === 404) return "Runs and sweeps are found by the hash of their spec: check the link, or submit the spec to create it.";
  if (status === 400) return "A run or sweep is named by its hash, 64 lowercase hex digits.";
  if (status >= 500) return "The service could not answer just now; try again in a few seconds.";
  return "See the API reference for what this address expects.";
}

/**
 * An error on a human page, as a page (docs/decisions/006-charts-pages-and-cli.md): the status, the
 * problem's title and detail in words, and links to the problem type and the API reference. The
 * API's own addresses answer the same problem as problem+json.
 */
export function errorPage(problem: Problem): Html {
  const type = problem.type.startsWith("/problems/") ? problem.type : null;
  return page(
    `${problem.status} ${problem.title}`,
    false,
    html`<h1>${problem.status} · ${problem.title}</h1>
<p>${problem.detail ?? ""}</p>
<p>${nextStep(problem.status)}</p>
<p>${type ? html`Problem type <a href="${type}"><code>${type}</code></a> · ` : ""}<a href="/docs">API reference</a></p>`,
  );
}
