/**
 * Writes the components of openapi.yaml that zod owns (src/core/shapes.ts, result-schema.ts,
 * views-schema.ts) from their schemas: `npm run openapi:generate`, then `npm run client:generate`.
 * Everything else in openapi.yaml stays as written, byte for byte. test/http/openapi-drift.test.ts
 * fails when the document and the schemas differ. See docs/decisions/007-one-source-for-shapes.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMap, isScalar, parseDocument, type Pair, type YAMLMap } from "yaml";
import { z } from "zod";
import { COMPONENTS, HAND_WRITTEN_COMPONENTS } from "../src/core/index.js";

export type JsonSchema = { [key: string]: unknown };

export const OPENAPI_PATH = fileURLToPath(new URL("../openapi.yaml", import.meta.url));
const componentRef = (id: string) => `#/components/schemas/${id}`;

/** Drops what zod writes that says nothing to a reader: safe-integer bounds, the regex behind `date-time`. */
function tidy(schema: JsonSchema): void {
  if (schema.type === "integer") {
    if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
    if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  }
  if (schema.format === "date-time") delete schema.pattern;
  const names = schema.propertyNames as JsonSchema | undefined;
  if (names && Object.keys(names).length === 1 && names.type === "string") delete schema.propertyNames;
}

const PRIMITIVE = new Set(["string", "number", "integer", "boolean"]);
const NOT_TYPE_SPECIFIC = new Set(["enum", "const", "anyOf", "oneOf", "allOf", "not", "$ref", "type"]);

/**
 * `anyOf: [X, { type: "null" }]` becomes X with `"null"` added to its `type`, as a person writes it,
 * where that means the same: X has one primitive type and only keywords that ignore other types
 * (`format`, bounds, `pattern`), not `enum` or `const`.
 */
function compactNullable(schema: JsonSchema): JsonSchema {
  const walk = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(walk) : value !== null && typeof value === "object" ? compactNullable(value as JsonSchema) : value;
  const out = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, walk(value)])) as JsonSchema;
  const options = out.anyOf as JsonSchema[] | undefined;
  if (!Array.isArray(options) || options.length !== 2) return out;
  const [first, second] = options as [JsonSchema, JsonSchema];
  const isNull = (s: JsonSchema) => Object.keys(s).length === 1 && s.type === "null";
  const other = isNull(second) ? first : isNull(first) ? second : undefined;
  if (!other || typeof other.type !== "string" || !PRIMITIVE.has(other.type)) return out;
  if (Object.keys(other).some((key) => key !== "type" && NOT_TYPE_SPECIFIC.has(key))) return out;
  const { anyOf: _, ...rest } = out;
  if (Object.keys(rest).some((key) => key in other)) return out;
  return { ...other, type: [other.type, "null"], ...rest };
}

/** The JSON Schema of every component zod owns, by name, as openapi.yaml's components/schemas hold them. */
export function generatedComponents(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(COMPONENTS, {
    target: "draft-2020-12", // OpenAPI 3.1's schema dialect
    io: "output", // what the API sends
    uri: componentRef,
    unrepresentable: ({ zodSchema }) => {
      const id = HAND_WRITTEN_COMPONENTS.get(zodSchema);
      return id ? { $ref: componentRef(id) } : "throw";
    },
    override: ({ jsonSchema }) => tidy(jsonSchema as JsonSchema),
  });
  if ("__shared" in schemas) throw new Error(`a shape is used twice without a component of its own: ${JSON.stringify(schemas.__shared)}`);
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _schema, $id: _id, ...body } = schema as JsonSchema;
      return [id, compactNullable(body)];
    }),
  );
}

// ---- YAML text, in the style of the hand-written rest of openapi.yaml ----

const KEY_ORDER = [
  "$ref", "type", "format", "pattern", "const", "enum", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum",
  "minLength", "maxLength", "minItems", "maxItems", "items", "description", "required", "additionalProperties",
  "properties", "anyOf", "oneOf", "allOf", "examples",
];
const rank = (key: string) => (KEY_ORDER.includes(key) ? KEY_ORDER.indexOf(key) : KEY_ORDER.length);
const ordered = (map: JsonSchema) => Object.entries(map).sort(([a], [b]) => rank(a) - rank(b));

/** Words that YAML 1.2 reads as something other than a string stay quoted. */
const NOT_A_STRING = /^(?:null|~|true|false)$/i;
function scalar(value: unknown): string {
  if (typeof value === "string") return /^[A-Za-z_$][\w$./-]*$/.test(value) && !NOT_A_STRING.test(value) ? value : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  throw new Error(`not JSON: ${String(value)}`);
}
const isCollection = (value: unknown): value is JsonSchema | unknown[] => value !== null && typeof value === "object";

/** One line, `{ a: 1, b: [x, y] }`. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(", ")}]`;
  if (isCollection(value)) {
    const entries = ordered(value as JsonSchema);
    return entries.length === 0 ? "{}" : `{ ${entries.map(([key, item]) => `${scalar(key)}: ${flow(item)}`).join(", ")} }`;
  }
  return scalar(value);
}

const depth = (value: unknown): number => (isCollection(value) ? 1 + Math.max(0, ...Object.values(value).map(depth)) : 0);
/** An object schema (with its properties) anywhere inside: such a value is written in block style. */
const describesObject = (value: unknown): boolean =>
  isCollection(value) && ((!Array.isArray(value) && ("properties" in value || "required" in value)) || Object.values(value).some(describesObject));
const WIDTH = 120;
/** Small leaves go on one line, as a person would write them; object schemas and `properties` never do. */
const fitsOneLine = (value: unknown, prefix: string, key?: string) =>
  !isCollection(value) || (key !== "properties" && depth(value) <= 3 && !describesObject(value) && prefix.length + flow(value).length <= WIDTH);

function block(map: JsonSchema, indent: string): string[] {
  const lines: string[] = [];
  for (const [key, value] of ordered(map)) {
    const prefix = `${indent}${scalar(key)}: `;
    if (fitsOneLine(value, prefix, key)) lines.push(prefix + flow(value));
    else if (Array.isArray(value)) {
      lines.push(`${indent}${scalar(key)}:`);
      for (const item of value) {
        const itemPrefix = `${indent}  - `;
        if (fitsOneLine(item, itemPrefix) || !isCollection(item) || Array.isArray(item)) lines.push(itemPrefix + flow(item));
        else {
          const [head, ...tail] = block(item as JsonSchema, `${indent}    `);
          lines.push(itemPrefix + head!.trimStart(), ...tail);
        }
      }
    } else {
      lines.push(`${indent}${scalar(key)}:`, ...block(value as JsonSchema, `${indent}  `));
    }
  }
  return lines;
}

/** `Name: …` at the indentation of components/schemas entries, with a final newline. */
export function componentYaml(id: string, schema: JsonSchema): string {
  return block({ [id]: schema }, "    ").join("\n").slice(4) + "\n";
}

/**
 * openapi.yaml's text with every generated component written in: an existing one is replaced where
 * it stands, a new one goes after the generated component before it (in registry order). Comments
 * and everything else are kept as they are.
 */
export function withGeneratedComponents(text: string, components = generatedComponents()): string {
  const doc = parseDocument(text);
  const schemas = doc.getIn(["components", "schemas"], true);
  if (!isMap(schemas)) throw new Error("openapi.yaml has no components/schemas");
  const pairs = (schemas as YAMLMap).items as Pair[];
  const spanOf = (pair: Pair): [number, number] => {
    const start = (pair.key as { range: [number, number, number] }).range[0];
    let end = (pair.value as { range: [number, number, number] }).range[1];
    while (end < text.length && text[end - 1] !== "\n") end++;
    return [start, end];
  };
  const existing = new Map(pairs.map((pair) => [String(isScalar(pair.key) ? pair.key.value : pair.key), spanOf(pair)]));
  const lastEnd = Math.max(...[...existing.values()].map(([, end]) => end));
  // Edits as [start, end, replacement] on the original text; they never overlap.
  const edits: [number, number, string][] = [];
  let insertAt = lastEnd;
  for (const [id, schema] of Object.entries(components)) {
    const yaml = componentYaml(id, schema);
    const span = existing.get(id);
    if (span) {
      edits.push([span[0], span[1], yaml]);
      insertAt = span[1];
    } else {
      edits.push([insertAt, insertAt, "    " + yaml]);
    }
  }
  edits.sort((a, b) => a[0] - b[0]); // stable: new components at one place keep their order
  let out = "";
  let at = 0;
  for (const [start, end, replacement] of edits) {
    out += text.slice(at, start) + replacement;
    at = end;
  }
  return out + text.slice(at);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const before = readFileSync(OPENAPI_PATH, "utf8");
  const after = withGeneratedComponents(before);
  if (after === before) console.log("openapi.yaml: the generated components are up to date");
  else {
    writeFileSync(OPENAPI_PATH, after);
    console.log(`openapi.yaml: wrote ${Object.keys(generatedComponents()).length} components from the zod schemas; now run npm run client:generate`);
  }
}
