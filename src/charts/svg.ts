import type { VegaLiteSpec } from "../core/index.js";

/** Vega, Vega-Lite and the interpreter, loaded on the first render so other requests never pay for them. */
const libraries = () => Promise.all([import("vega"), import("vega-interpreter"), import("vega-lite")]);

/**
 * Renders a Vega-Lite spec to an SVG string without code generation: Vega parses expressions to
 * ASTs and evaluates them with its interpreter, so this runs in workerd, which forbids `eval` and
 * `new Function`. Text is measured by estimate (no canvas), which is fine for labels and legends.
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [{ View, parse }, { expressionInterpreter }, { compile }] = await libraries();
  const vega = compile(spec as unknown as Parameters<typeof compile>[0]).spec;
  const view = new View(parse(vega, undefined, { ast: true }), { expr: expressionInterpreter, renderer: "none" });
  try {
    return stableIds(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers the gradients and clip paths of an SVG from a counter that lives as long as the
 * process, so the same chart rendered twice would differ in its ids (`gradient_15` and later
 * `gradient_18`). Numbering them by first appearance makes the bytes a function of the chart
 * alone, as an immutable representation's must be.
 */
export function stableIds(svg: string): string {
  const ids = new Map<string, string>();
  return svg.replace(/\b(gradient|clip|pattern)_(\d+)\b/g, (match, prefix: string) => {
    let id = ids.get(match);
    if (id === undefined) {
      id = `${prefix}_${[...ids.keys()].filter((key) => key.startsWith(`${prefix}_`)).length}`;
      ids.set(match, id);
    }
    return id;
  });
}
