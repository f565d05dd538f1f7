import { fileURLToPath } from "node:url";
import { cruise, type ICruiseResult, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { describe, expect, it } from "vitest";

/**
 * The import rules of docs/architecture.md ("Import rules"), enforced with
 * dependency-cruiser and the rules in .dependency-cruiser.cjs (each rule says why it exists).
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = fileURLToPath(new URL("../fixtures/architecture/", import.meta.url));

/** Cruises `src` under `baseDir` with the repository's rules; paths in the result are relative to `baseDir`. */
async function cruiseSrc(baseDir: string): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(`${root}.dependency-cruiser.cjs`);
  const tsConfigFile = `${root}tsconfig.json`;
  const { output } = await cruise(
    ["src"],
    { ...options, baseDir, tsConfig: { fileName: tsConfigFile } },
    undefined,
    { tsConfig: extractTSConfig(tsConfigFile) },
  );
  if (typeof output === "string") throw new Error("dependency-cruiser returned a report instead of a result");
  return output;
}

/** One line per violation: `from → to (rule)`, with the whole cycle for a circular one. */
function describeViolation(v: IViolation): string {
  const to = v.cycle && v.cycle.length > 0 ? v.cycle.map((step) => step.name).join(" → ") : v.to;
  return `${v.from} → ${to} (${v.rule.name})`;
}

/**
 * A violation as `rule: from → to`, stable across installations and cruise order: a package is
 * named by its folder (node_modules may be a symlink elsewhere), a cycle by its sorted members.
 */
function summarize(v: IViolation): string {
  if (v.cycle && v.cycle.length > 0) {
    const members = [...new Set([v.from, ...v.cycle.map((step) => step.name)])].sort();
    return `${v.rule.name}: ${members.join(" ↔ ")}`;
  }
  return `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, "node_modules/$1")}`;
}

describe("import rules", () => {
  it("hold in src/", async () => {
    const result = await cruiseSrc(root);
    expect(result.summary.totalCruised).toBeGreaterThan(50); // the cruise saw the tree
    const lines = result.summary.violations.map(describeViolation);
    if (lines.length > 0) console.error(`import rule violations:\n  ${lines.join("\n  ")}`);
    expect(lines).toEqual([]);
  });

  it("report every break in a tree made to break them, and nothing else", async () => {
    const result = await cruiseSrc(fixture);
    const found = result.summary.violations.map(summarize).sort();
    expect(found).toEqual(
      [
        "cli-no-server-packages: src/cli/uses-pg.ts → node_modules/pg",
        "cli-through-client: src/cli/imports-worker.ts → src/worker.ts",
        "client-imports-nothing: src/client/uses-core.ts → src/core/clean.ts",
        "engine-no-node-io: src/engine/writes-files.ts → fs",
        "entries-not-imported: src/cli/imports-worker.ts → src/worker.ts",
        "known-parts-only: src/misc/helper.ts → src/core/clean.ts",
        "service-no-frameworks: src/service/uses-hono.ts → node_modules/hono",
        "core-no-node-builtins: src/core/reads-files.ts → fs",
        "core-only-pure-packages: src/core/uses-hono.ts → node_modules/hono",
        "engine-only-from-entries: src/http/trains.ts → src/engine/train.ts",
        "http-imports-core-service-store-charts: src/http/trains.ts → src/engine/train.ts",
        "http-only-from-worker: src/store/uses-http.ts → src/http/route.ts",
        "http-store-types-only: src/http/opens-store.ts → src/store/runs.ts",
        "kinds-independent: src/core/kinds/image/spec.ts → src/core/kinds/synthetic/spec.ts",
        "no-circular: src/service/lease.ts ↔ src/service/submit.ts",
        "runner-through-api: src/runner/uses-store.ts → src/store/uses-http.ts",
        "store-imports-only-core: src/store/uses-http.ts → src/http/route.ts",
      ].sort(),
    );
  });
});
