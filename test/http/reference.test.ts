import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ERROR_CODES } from "../../src/core/index.js";
import { PAGE_CSP } from "../../src/http/pages.js";
import { renderReference } from "../../src/http/reference.js";
import { createMetaRoutes } from "../../src/http/routes/meta.js";
import { useHttpHarness } from "./harness.js";

/**
 * The API reference at /docs, rendered on the server from openapi.yaml with no script
 * (docs/decisions/010-api-reference.md): complete, escaped, served under the pages' strict CSP.
 */
const OPENAPI = readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8");
const DOC = parse(OPENAPI) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const PROBLEMS = Object.entries(ERROR_CODES).map(([code, { status, title }]) => ({ code, status, title }));

const render = async (doc: unknown) => String(await renderReference(doc, PROBLEMS));

describe("the API reference (/docs)", () => {
  const { appWith } = useHttpHarness();

  it("is served by the app itself: HTML, no script, the pages' CSP, no framing, cached briefly", async () => {
    const response = await appWith().request("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toBe(PAGE_CSP);
    expect(PAGE_CSP).toContain("default-src 'none'");
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const page = await response.text();
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/\ssrc=/i); // nothing loaded from anywhere
    expect(page).toContain('href="/openapi.yaml"');
    expect(page).toBe(await (await appWith().request("/docs")).text());
  });

  it("documents every operation of openapi.yaml, every component schema and every problem type", async () => {
    const page = await (await appWith().request("/docs")).text();
    const operations = Object.entries(DOC.paths).flatMap(([path, item]) => METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()}</span> ${path}</code>`));
    expect(operations.length).toBeGreaterThan(25);
    for (const operation of operations) expect(page).toContain(operation);
    const schemas = Object.keys(DOC.components.schemas);
    expect(schemas.length).toBeGreaterThan(20);
    for (const name of schemas) expect(page).toContain(`id="schema-${name}"`);
    for (const { code } of PROBLEMS) expect(page).toContain(`href="/problems/${code}"`);
  });

  it("shows parameters, request bodies, responses and schema fields with their types, bounds, enums and meaning", async () => {
    const page = await render(DOC);
    const section = (id: string) => page.slice(page.indexOf(`id="${id}"`), page.indexOf("</section>", page.indexOf(`id="${id}"`)));
    const listRuns = section("op-listRuns");
    expect(listRuns).toContain("List runs, newest first");
    expect(listRuns).toMatch(/<code>limit<\/code><\/td><td>query<\/td><td>integer<\/td><td><\/td><td>≥ 1; ≤ 100; default <code>20<\/code>/);
    expect(listRuns).toContain('<a href="#schema-RunStatus">RunStatus</a>');
    expect(listRuns).toContain("<code>nextCursor</code></td><td>string | null</td><td>yes</td>");
    const submit = section("op-submitRun");
    expect(submit).toContain("Request body");
    expect(submit).toContain('<a href="#schema-SubmitRun">SubmitRun</a>');
    expect(submit).toMatch(/<td class="status-code">429<\/td><td>Too many queued jobs; retry after the given seconds\./);
    expect(submit).toContain("<code>Prefer: wait=N</code>"); // Markdown code spans become <code>
    expect(section("schema-RunSpecInput")).toContain('<a href="#schema-ImageRunSpecInput">ImageRunSpecInput</a>');
    const spec = section("schema-SyntheticRunSpecInput");
    expect(spec).toContain("<code>data.patchDim</code></td><td>integer</td><td></td><td>≥ 1; ≤ 100000");
    expect(spec).toContain("one of <code>&quot;antipodal&quot;</code>, <code>&quot;basis&quot;</code>");
    expect(spec).toContain("Fraction of weights kept.");
    expect(section("schema-Run")).toContain("<code>status</code></td><td><a href=\"#schema-RunStatus\">RunStatus</a></td><td>yes</td>");
    expect(section("schema-Run")).toContain('<a href="#schema-RunResult">RunResult</a> | null');
    expect(section("schema-SweepSpecInput")).toContain("<code>grid.{key}</code></td><td>array of number | string | object</td>");
    expect(section("schema-ImageRunSpecInput")).toContain("<code>pruning.rate</code>");
    expect(page).toContain('<tr id="problem-too_many_queued"><td><a href="/problems/too_many_queued"><code>/problems/too_many_queued</code></a></td><td>429</td>');
  });

  it("escapes whatever HTML the document contains", async () => {
    const hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    const page = await render({
      openapi: "3.1.0",
      info: { title: hostile, version: '1"><script>', description: `Text ${hostile} and \`${hostile}\`` },
      tags: [{ name: "t<b>", description: hostile }],
      paths: {
        "/x/{id}": {
          get: {
            tags: ["t<b>"],
            operationId: 'op"><script>',
            summary: hostile,
            parameters: [{ name: hostile, in: "query", description: hostile, schema: { type: "string", pattern: hostile, default: hostile } }],
            responses: { "200": { description: hostile, content: { "text/html": { schema: { enum: [hostile] }, example: `</pre>${hostile}` } } } },
          },
        },
      },
      components: { schemas: { [hostile]: { type: "object", description: hostile, properties: { [hostile]: { const: hostile, description: hostile } }, example: { [hostile]: hostile } } } },
    });
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toContain("<b>");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("<code>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</code>");
  });

  it("renders any shape of document without failing (missing parts, unknown refs, reference loops)", async () => {
    for (const doc of [null, {}, { paths: { "/a": { get: {} } } }, { paths: { "/a": { get: { responses: { "200": { $ref: "#/nowhere" } } } } } }]) {
      expect(await render(doc)).toContain("</html>");
    }
    const loop = { paths: { "/a": { get: { responses: { "200": { $ref: "#/components/responses/A" } } } } }, components: { responses: { A: { $ref: "#/components/responses/B" }, B: { $ref: "#/components/responses/A" } } } };
    expect(await render(loop)).toContain("GET</span> /a</code>");
  });

  it("answers with an HTML page, not a blank one, when the document cannot be rendered", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const response = await createMetaRoutes("openapi: [unclosed").request("/docs");
      expect(response.status).toBe(500);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("content-security-policy")).toBe(PAGE_CSP);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const page = await response.text();
      expect(page).toContain('href="/openapi.yaml"');
      expect(page).not.toMatch(/<script/i);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);
  });

  it("answers anything under /docs/ with the not-found problem", async () => {
    const response = await appWith().request("/docs/anything");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});
