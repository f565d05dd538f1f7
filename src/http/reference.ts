import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/**
 * The API reference at /docs, rendered on the server from the parsed openapi.yaml
 * (docs/decisions/010-api-reference.md): every operation with its parameters, request body and
 * responses, every component schema with its fields, types, bounds and enums, the security
 * schemes and the problem types. Pure: it takes the parsed document and returns the page. No
 * script, so it is served under the pages' strict CSP; every string from the document goes
 * through hono/html and is escaped.
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
type Node = Record<string, unknown>;

/** A problem type of the error vocabulary (`/problems/<code>`). */
export interface ProblemType {
  code: string;
  status: number;
  title: string;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
const MAX_DEPTH = 12;

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);
const node = (value: unknown): Node => (isNode(value) ? value : {});
const text = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const json = (value: unknown): string => JSON.stringify(value) ?? String(value);
const slug = (value: string) => value.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-|-$/g, "");

const SCHEMA_REF = "#/components/schemas/";

/** Follows a local `$ref` (`#/…`, RFC 6901) to what it names; `seen` stops reference loops. */
function resolve(doc: Node, value: unknown, seen = new Set<string>()): Node {
  let current = node(value);
  while (typeof current.$ref === "string" && current.$ref.startsWith("#/") && !seen.has(current.$ref)) {
    seen.add(current.$ref);
    const target = current.$ref
      .slice(2)
      .split("/")
      .map((key) => key.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce<unknown>((at, key) => node(at)[key], doc);
    current = node(target);
  }
  return current;
}

const refName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);

/** Text with Markdown code spans (`…`) as <code>, each part escaped. */
function inline(value: string): Html {
  const parts = value.split("`");
  return html`${parts.map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

/** A description: paragraphs at blank lines, code spans as <code>. */
function prose(value: unknown): Html {
  const content = text(value);
  if (!content) return html``;
  const paragraphs = content.trim().split(/\n\s*\n/).map((p) => p.replace(/\s*\n\s*/g, " "));
  return html`${paragraphs.map((p) => html`<p>${inline(p)}</p>`)}`;
}

/** A schema as a short type expression: `integer`, `string | null`, `array of Run`, `one of a, b`. */
function typeOf(schema: unknown, depth = 0): Html {
  const s = node(schema);
  if (typeof s.$ref === "string") {
    return s.$ref.startsWith(SCHEMA_REF) ? html`<a href="#schema-${refName(s.$ref)}">${refName(s.$ref)}</a>` : html`<code>${s.$ref}</code>`;
  }
  if (depth > MAX_DEPTH) return html`…`;
  if ("const" in s) return html`<code>${json(s.const)}</code>`;
  if (Array.isArray(s.enum)) return html`one of ${s.enum.map((v, i) => html`${i > 0 ? ", " : ""}<code>${json(v)}</code>`)}`;
  for (const [key, joiner] of [["oneOf", " | "], ["anyOf", " | "], ["allOf", " & "]] as const) {
    if (Array.isArray(s[key])) return html`${(s[key] as unknown[]).map((v, i) => html`${i > 0 ? joiner : ""}${typeOf(v, depth + 1)}`)}`;
  }
  const types = Array.isArray(s.type) ? s.type.map(String) : typeof s.type === "string" ? [s.type] : [];
  if (types.length === 0) return isNode(s.properties) ? html`object` : html`any`;
  const format = text(s.format);
  return html`${types.map((type, i) => {
    const sep = i > 0 ? " | " : "";
    if (type === "array") return html`${sep}array${s.items === undefined ? "" : html` of ${typeOf(s.items, depth + 1)}`}`;
    if (type === "object" && isNode(s.additionalProperties) && !isNode(s.properties)) return html`${sep}object of ${typeOf(s.additionalProperties, depth + 1)}`;
    return html`${sep}${type}${format && type === "string" ? ` (${format})` : ""}`;
  })}`;
}

/** Bounds, patterns and defaults of a schema, as short phrases. */
function constraintsOf(schema: unknown): Html[] {
  const s = node(schema);
  const out: Html[] = [];
  const bound = (key: string, label: string) => {
    if (typeof s[key] === "number") out.push(html`${label} ${String(s[key])}`);
  };
  bound("minimum", "≥");
  bound("exclusiveMinimum", ">");
  bound("maximum", "≤");
  bound("exclusiveMaximum", "<");
  bound("minLength", "length ≥");
  bound("maxLength", "length ≤");
  bound("minItems", "items ≥");
  bound("maxItems", "items ≤");
  bound("minProperties", "keys ≥");
  bound("maxProperties", "keys ≤");
  bound("multipleOf", "multiple of");
  if (s.uniqueItems === true) out.push(html`unique items`);
  if (typeof s.pattern === "string") out.push(html`pattern <code>${s.pattern}</code>`);
  if ("default" in s) out.push(html`default <code>${json(s.default)}</code>`);
  if (s.additionalProperties === false && isNode(s.properties)) out.push(html`no other fields`);
  return out;
}

const joined = (parts: Html[]) => html`${parts.map((part, i) => html`${i > 0 ? "; " : ""}${part}`)}`;

interface Field {
  path: string;
  schema: Node;
  required: boolean;
}

/** The fields of an inline schema, nested ones as dotted paths (`data.patchDim`, `curve[].step`, `grid.{key}`). */
function collectFields(schema: Node, prefix: string, depth: number, out: Field[]): Field[] {
  if (depth > MAX_DEPTH || typeof schema.$ref === "string") return out;
  const required = list(schema.required);
  for (const [name, field] of Object.entries(node(schema.properties))) {
    const path = prefix + name;
    out.push({ path, schema: node(field), required: required.includes(name) });
    nestedFields(node(field), path, depth + 1, out);
  }
  if (isNode(schema.additionalProperties)) {
    const path = `${prefix}{key}`;
    out.push({ path, schema: schema.additionalProperties, required: false });
    nestedFields(schema.additionalProperties, path, depth + 1, out);
  }
  return out;
}

function nestedFields(schema: Node, path: string, depth: number, out: Field[]): void {
  if (depth > MAX_DEPTH || typeof schema.$ref === "string") return;
  if (isNode(schema.properties) || isNode(schema.additionalProperties)) collectFields(schema, `${path}.`, depth, out);
  if (isNode(schema.items)) nestedFields(schema.items, `${path}[]`, depth + 1, out);
  for (const key of ["oneOf", "anyOf", "allOf"]) for (const variant of list(schema[key])) nestedFields(node(variant), path, depth + 1, out);
}

function fieldsTable(fields: Field[]): Html {
  if (fields.length === 0) return html``;
  return html`<table class="fields"><thead><tr><th>field</th><th>type</th><th>required</th><th>constraints and meaning</th></tr></thead><tbody>
${fields.map(
  (f) => html`<tr><td><code>${f.path}</code></td><td>${typeOf(f.schema)}</td><td>${f.required ? "yes" : ""}</td><td>${joined([...constraintsOf(f.schema), ...(text(f.schema.description) ? [inline(f.schema.description as string)] : [])])}</td></tr>
`,
)}</tbody></table>`;
}

function example(value: unknown, label = "Example"): Html {
  if (value === undefined) return html``;
  return html`<details><summary>${label}</summary><pre>${typeof value === "string" ? value : JSON.stringify(value, null, 2)}</pre></details>`;
}

/** A schema in full: its type, bounds and description, then its fields (a component schema is linked, not repeated). */
function schemaBlock(schema: unknown): Html {
  const s = node(schema);
  const constraints = constraintsOf(s);
  const items = node(s.items);
  const fields = collectFields(s, "", 0, []);
  if (fields.length === 0 && isNode(s.items)) nestedFields(items, "[]", 1, fields);
  for (const key of ["oneOf", "anyOf", "allOf"]) if (fields.length === 0) for (const variant of list(s[key])) nestedFields(node(variant), "", 1, fields);
  return html`<p>Type: ${typeOf(s)}${constraints.length > 0 ? html` · ${joined(constraints)}` : ""}</p>
${prose(s.description)}
${fieldsTable(fields)}
${example(s.example ?? list(s.examples)[0])}`;
}

/** A media type's `example`, or each of its named `examples` (OpenAPI 3.1, Media Type Object). */
function mediaExamples(media: Node): Html {
  const named = Object.entries(node(media.examples)).map(([name, entry]) => example(node(entry).value, `Example: ${text(node(entry).summary) ?? name}`));
  return html`${example(media.example)}${named}`;
}

function content(value: unknown): Html {
  return html`${Object.entries(node(value)).map(([type, media]) => {
    const m = node(media);
    return html`<div class="media"><p class="media-type"><code>${type}</code></p>
${m.schema === undefined ? "" : schemaBlock(m.schema)}
${mediaExamples(m)}</div>`;
  })}`;
}

function security(requirements: unknown): Html {
  if (!Array.isArray(requirements) || requirements.length === 0) return html``;
  const schemes = requirements.map((r) => Object.keys(node(r)));
  const optional = schemes.some((names) => names.length === 0);
  const named = schemes.filter((names) => names.length > 0);
  if (named.length === 0) return html``;
  return html`<p>Authorization: ${named.map((names, i) => html`${i > 0 ? " or " : ""}${names.map((n) => html`<a href="#security-${n}">${n}</a>`)}`)}${optional ? " (optional: needed only where configured)" : ""}</p>`;
}

function parametersTable(doc: Node, parameters: unknown[]): Html {
  if (parameters.length === 0) return html``;
  return html`<h4>Parameters</h4>
<table class="fields"><thead><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>constraints and meaning</th></tr></thead><tbody>
${parameters.map((entry) => {
  const p = resolve(doc, entry);
  const schema = node(p.schema);
  const meaning = [...constraintsOf(resolve(doc, schema)), ...(text(p.description) ? [inline(p.description as string)] : text(schema.description) ? [inline(schema.description as string)] : [])];
  if (p.deprecated === true) meaning.unshift(html`<strong>deprecated</strong>`);
  return html`<tr><td><code>${String(p.name ?? "")}</code></td><td>${String(p.in ?? "")}</td><td>${typeOf(schema)}</td><td>${p.required === true ? "yes" : ""}</td><td>${joined(meaning)}</td></tr>
`;
})}</tbody></table>`;
}

/** Responses as one table (status, meaning, headers, body type), then the fields of inline bodies. */
function responses(doc: Node, value: unknown): Html {
  const entries = Object.entries(node(value)).map(([status, entry]) => ({ status, entry, r: resolve(doc, entry) }));
  const inlineBodies = entries.flatMap(({ status, r }) =>
    Object.entries(node(r.content))
      .filter(([, media]) => isNode(node(media).schema) && typeof node(node(media).schema).$ref !== "string")
      .map(([type, media]) => ({ status, type, media: node(media) })),
  );
  return html`<h4>Responses</h4>
<table class="fields responses"><thead><tr><th>status</th><th>meaning</th><th>body</th></tr></thead><tbody>
${entries.map(({ status, entry, r }) => {
  const shared = typeof node(entry).$ref === "string" ? refName(node(entry).$ref as string) : undefined;
  const headers = Object.entries(node(r.headers));
  return html`<tr><td class="status-code">${status}</td><td>${inline(text(r.description) ?? "")}${shared ? html` <small>(${shared})</small>` : ""}${headers.map(([name, h]) => html`<br>Header <code>${name}</code>${text(resolve(doc, h).description) ? html`: ${inline(resolve(doc, h).description as string)}` : ""}`)}</td><td>${Object.entries(node(r.content)).map(([type, media], i) => html`${i > 0 ? html`<br>` : ""}<code>${type}</code> ${typeOf(node(media).schema)}`)}</td></tr>
`;
})}</tbody></table>
${inlineBodies.map(({ status, type, media }) => html`<h5>${status} <code>${type}</code></h5>
${schemaBlock(media.schema)}
${mediaExamples(media)}`)}`;
}

interface Operation {
  method: string;
  path: string;
  id: string;
  op: Node;
  parameters: unknown[];
}

function operations(doc: Node): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(node(doc.paths))) {
    const pathItem = node(item);
    for (const method of METHODS) {
      if (!isNode(pathItem[method])) continue;
      const op = pathItem[method] as Node;
      const own = list(op.parameters);
      const ownKeys = new Set(own.map((p) => `${resolve(doc, p).in}:${resolve(doc, p).name}`));
      const inherited = list(pathItem.parameters).filter((p) => !ownKeys.has(`${resolve(doc, p).in}:${resolve(doc, p).name}`));
      out.push({ method, path, id: slug(text(op.operationId) ?? `${method}-${path}`), op, parameters: [...inherited, ...own] });
    }
  }
  return out;
}

function operationSection(doc: Node, { method, path, id, op, parameters }: Operation): Html {
  const body = resolve(doc, op.requestBody);
  return html`<section class="operation" id="op-${id}">
<h3><code class="op"><span class="method method-${method}">${method.toUpperCase()}</span> ${path}</code>${text(op.summary) ? html` <span class="summary">${op.summary as string}</span>` : ""}</h3>
${op.deprecated === true ? html`<p><strong>Deprecated.</strong></p>` : ""}
${prose(op.description)}
${security(op.security ?? doc.security)}
${parametersTable(doc, parameters)}
${isNode(op.requestBody) ? html`<h4>Request body${body.required === true ? "" : " (optional)"}</h4>${prose(body.description)}${content(body.content)}` : ""}
${responses(doc, op.responses)}
</section>`;
}

/** Operations grouped by their first tag, in the document's tag order (untagged ones last). */
function byTag(doc: Node, ops: Operation[]): { name: string; description?: string; ops: Operation[] }[] {
  const groups = new Map<string, { name: string; description?: string; ops: Operation[] }>();
  for (const tag of list(doc.tags)) {
    const name = text(node(tag).name);
    if (name) groups.set(name, { name, description: text(node(tag).description), ops: [] });
  }
  for (const op of ops) {
    const name = text(list(op.op.tags)[0]) ?? "other";
    if (!groups.has(name)) groups.set(name, { name, ops: [] });
    groups.get(name)!.ops.push(op);
  }
  return [...groups.values()].filter((group) => group.ops.length > 0);
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.25rem;margin-top:2.5rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.8rem 0 .4rem} h4{font-size:.95rem;margin:1rem 0 .3rem} h5{font-size:.9rem;margin:.8rem 0 .2rem}
code{font-size:.85em;background:#f3f3f3;padding:.1em .3em;border-radius:3px} h3 code.op{font-size:.95em}
table{border-collapse:collapse;margin:.4rem 0;font-size:.9em} th,td{border-bottom:1px solid #e3e3e3;padding:.2rem .6rem;text-align:left;vertical-align:top} th{background:#fafafa}
.method{font-weight:700;text-transform:uppercase} .method-get{color:#1d6b2f} .method-post{color:#1c4f99} .method-delete{color:#a12020} .method-put,.method-patch{color:#8a5a00}
.summary{font-weight:400;color:#444;margin-left:.4rem} .status-code{font-weight:700;font-variant-numeric:tabular-nums}
.operation,.schema{border-top:1px solid #eee} .media{margin-left:1rem}
nav ul{columns:2;padding-left:1.2rem} pre{background:#f7f7f7;padding:.75rem;overflow:auto;font-size:.85em}
`;

/** The whole reference page for a parsed OpenAPI 3.1 document and the problem types. */
export function renderReference(document: unknown, problems: readonly ProblemType[]): Html {
  const doc = node(document);
  const info = node(doc.info);
  const title = text(info.title) ?? "API reference";
  const ops = operations(doc);
  const groups = byTag(doc, ops);
  const schemas = Object.entries(node(node(doc.components).schemas));
  const schemes = Object.entries(node(node(doc.components).securitySchemes));
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<header>
<h1>${title}${text(info.version) ? html` <small>${info.version as string}</small>` : ""}</h1>
${text(info.summary) ? html`<p><strong>${info.summary as string}</strong></p>` : ""}
${prose(info.description)}
<p>The machine-readable contract is <a href="/openapi.yaml">/openapi.yaml</a> (OpenAPI ${text(doc.openapi) ?? ""}); this page is rendered from it.</p>
</header>
<nav id="contents"><h2>Contents</h2><ul>
${groups.map((group) => html`<li><a href="#tag-${slug(group.name)}">${group.name}</a>: ${group.ops.map((o, i) => html`${i > 0 ? ", " : ""}<a href="#op-${o.id}">${o.method.toUpperCase()} ${o.path}</a>`)}</li>`)}
<li><a href="#schemas">Schemas</a></li>
${schemes.length > 0 ? html`<li><a href="#security">Authorization</a></li>` : ""}
<li><a href="#problems">Problem types</a></li>
</ul></nav>
<main>
${groups.map(
  (group) => html`<h2 id="tag-${slug(group.name)}">${group.name}</h2>
${prose(group.description)}
${group.ops.map((o) => operationSection(doc, o))}`,
)}
<h2 id="schemas">Schemas</h2>
${schemas.map(
  ([name, schema]) => html`<section class="schema" id="schema-${name}"><h3><code>${name}</code></h3>
${schemaBlock(schema)}</section>`,
)}
${
  schemes.length > 0
    ? html`<h2 id="security">Authorization</h2>
<table class="fields"><thead><tr><th>scheme</th><th>kind</th><th>meaning</th></tr></thead><tbody>
${schemes.map(([name, scheme]) => {
  const s = node(scheme);
  return html`<tr id="security-${name}"><td><code>${name}</code></td><td>${String(s.type ?? "")}${text(s.scheme) ? ` (${s.scheme as string})` : ""}</td><td>${inline(text(s.description) ?? "")}</td></tr>`;
})}</tbody></table>`
    : ""
}
<h2 id="problems">Problem types</h2>
<p>Every error is an RFC 9457 problem (<code>application/problem+json</code>, schema <a href="#schema-Problem">Problem</a>) whose <code>type</code> is one of these; each links to its explanation.</p>
<table class="fields"><thead><tr><th>type</th><th>status</th><th>title</th></tr></thead><tbody>
${problems.map((p) => html`<tr id="problem-${p.code}"><td><a href="/problems/${p.code}"><code>/problems/${p.code}</code></a></td><td>${p.status}</td><td>${p.title}</td></tr>`)}
</tbody></table>
</main>
<footer><p><small><a href="/openapi.yaml">openapi.yaml</a> · <a href="/healthz">health</a></small></p></footer>
</body>
</html>`;
}

/** The page /docs answers with when the document cannot be rendered: still HTML, still no script. */
export function renderReferenceError(): Html {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>API reference unavailable</title><style>${raw(STYLE)}</style></head>
<body>
<h1>The API reference could not be rendered</h1>
<p>The error has been logged. The contract itself is served at <a href="/openapi.yaml">/openapi.yaml</a>.</p>
</body>
</html>`;
}
