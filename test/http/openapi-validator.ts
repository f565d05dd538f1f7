import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

/**
 * Checks an actual response against openapi.yaml: the path, method, status and content type must
 * be documented and the JSON body must match its schema. Runs in Node (Ajv compiles code, which
 * workerd forbids: docs/architecture.md, Measured facts).
 */
type Doc = { paths: Record<string, Record<string, { responses: Record<string, Response & { $ref?: string; content?: Record<string, unknown> }> }>> };
const doc = parse(readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8")) as Doc;
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema(doc as object, "openapi");

const escape = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");
const templates = Object.keys(doc.paths)
  .map((path) => ({ path, pattern: new RegExp(`^${path.replace(/\./g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`) }))
  .sort((a, b) => b.path.length - a.path.length);

function resolve(pointer: string): { content?: Record<string, unknown> } {
  return pointer
    .slice(2)
    .split("/")
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replace(/~1/g, "/").replace(/~0/g, "~")], doc) as { content?: Record<string, unknown> };
}

export async function validateResponse(method: string, url: string, response: Response): Promise<void> {
  const pathname = new URL(url, "http://prunelab.test").pathname;
  const template = templates.find((t) => t.pattern.test(pathname));
  if (!template) {
    // an undocumented path may only answer the documented not-found problem
    if (response.status !== 404) throw new Error(`${pathname} is not in openapi.yaml`);
    const validate = ajv.getSchema("openapi#/components/schemas/Problem")!;
    if (!validate(await response.json())) throw new Error(`the 404 of ${pathname} is not a Problem: ${ajv.errorsText(validate.errors)}`);
    return;
  }
  const verb = method.toLowerCase();
  const operation = doc.paths[template.path]![verb];
  if (!operation) throw new Error(`${method} ${template.path} is not in openapi.yaml`);
  const status = String(response.status);
  const declared = operation.responses[status];
  if (!declared) throw new Error(`${method} ${template.path} does not document status ${status}`);
  const pointer = declared.$ref ?? `#/paths/${escape(template.path)}/${verb}/responses/${status}`;
  const definition = declared.$ref ? resolve(declared.$ref) : declared;
  if (!definition.content) {
    if ((await response.text()).length > 0) throw new Error(`${method} ${template.path} ${status} documents no body but sent one`);
    return;
  }
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (!(type in definition.content)) throw new Error(`${method} ${template.path} ${status} does not document content type "${type}"`);
  if (!type.includes("json")) return;
  const validate = ajv.getSchema(`openapi${pointer}/content/${escape(type)}/schema`);
  if (!validate) throw new Error(`no schema at ${pointer}`);
  const body = await response.json();
  if (!validate(body)) {
    throw new Error(`${method} ${template.path} ${status} does not match openapi.yaml: ${ajv.errorsText(validate.errors, { separator: "; " })}`);
  }
}
