import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { HAND_WRITTEN_COMPONENTS } from "../../src/core/index.js";
import { OPENAPI_PATH, componentYaml, generatedComponents, withGeneratedComponents, type JsonSchema } from "../../scripts/openapi-components.js";

/**
 * zod → openapi.yaml components → client types (docs/decisions/007-one-source-for-shapes.md).
 * This file checks the first arrow; test/client/client.test.ts checks the second.
 */
const FIX = "edit the zod schema, then run `npm run openapi:generate` and `npm run client:generate`";
const text = readFileSync(OPENAPI_PATH, "utf8");
const document = parse(text) as { components: { schemas: Record<string, JsonSchema> } };
const generated = generatedComponents();

describe("openapi.yaml components generated from the zod schemas", () => {
  it("holds every generated component exactly as the zod schemas produce it", () => {
    for (const [id, schema] of Object.entries(generated)) {
      expect(document.components.schemas[id], `components/schemas/${id} differs from its zod schema: ${FIX}`).toEqual(schema);
    }
  });

  it("is as the generator writes it (running it changes nothing)", () => {
    expect(withGeneratedComponents(text, generated) === text, `openapi.yaml is not as generated: ${FIX}`).toBe(true);
  });

  it("covers the shared shapes of the API", () => {
    const shapes = ["Hash", "RunStatus", "Placement", "Problem", "Metric", "Metrics", "CurvePoint", "TheoryScales", "Diagnostics", "RunResult", "EngineInfo"];
    const views = ["Provenance", "ErrorCode", "RunError", "RunErrorReport", "Run", "RunListItem", "Stat", "MeanCurvePoint", "AggregateRow", "Sweep", "Preset"];
    expect(Object.keys(generated)).toEqual(expect.arrayContaining([...shapes, ...views]));
  });

  it("refers only to components that exist, generated or written by hand", () => {
    const refs = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) key === "$ref" ? refs.add(item as string) : collect(item);
      }
    };
    collect(generated);
    const names = [...refs].map((ref) => ref.replace("#/components/schemas/", ""));
    for (const name of names) expect(document.components.schemas[name], `${name} is referenced but missing`).toBeDefined();
    for (const name of HAND_WRITTEN_COMPONENTS.values()) expect(generated[name], `${name} is hand-written, not generated`).toBeUndefined();
  });

  it("writes YAML that reads back as the same JSON Schema", () => {
    for (const [id, schema] of Object.entries(generated)) {
      const indented = "    " + componentYaml(id, schema);
      expect(parse(indented)).toEqual({ [id]: schema });
    }
  });

  it("keeps the rest of openapi.yaml as written, and places a new component after the one before it", () => {
    const { Metrics, ...withoutMetrics } = generated;
    const stripped = text.replace("    " + componentYaml("Metrics", Metrics!), "");
    // the text without the Metrics component, regenerated, is the text again
    expect(stripped).not.toBe(text);
    expect(withGeneratedComponents(stripped, generated)).toBe(text);
    expect(withGeneratedComponents(text, withoutMetrics)).toBe(text);
  });
});
