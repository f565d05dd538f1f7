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
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
