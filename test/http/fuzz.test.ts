import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { rowsOf } from "../../src/store/index.js";
import { useHttpHarness } from "./harness.js";

/**
 * Hostile requests generated from the contract itself (fast-check, arbitraries built from the
 * request schemas in openapi.yaml, then mutated): every documented operation, with odd path
 * parameters, query strings, content types, credentials and bodies. Whatever arrives, the app
 * answers within its contract (the harness validates every response against openapi.yaml), never
 * with a 5xx; every /v1 refusal is problem+json; and a refused request changes no row. Edge
 * training is off here (the harness only records wake-ups), so accepted specs cost nothing.
 */
type Schema = Record<string, unknown> & { $ref?: string; type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; const?: unknown; anyOf?: Schema[]; oneOf?: Schema[]; required?: string[]; additionalProperties?: boolean | Schema };
type Operation = { parameters?: { name: string; in: string; schema?: Schema; $ref?: string }[]; requestBody?: { content: Record<string, { schema: Schema }> } };
const doc = parse(readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8")) as { paths: Record<string, Record<string, Operation>> };
const resolve = <T>(ref: string): T => ref.slice(2).split("/").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc) as T;

const API_KEY = "fuzz-api-key-0123";
const RUNNER_TOKEN = "fuzz-runner-token-0123";
const HOSTILE: unknown[] = [-1, 0, -0, 1.5, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, 5e-324, "", "\u0000", "x".repeat(5000), "__proto__", "constructor", "../../etc/passwd", "%00", "<script>alert(1)</script>", null, true, [], {}, [[[[[]]]]], { __proto__: { polluted: 1 } }];

/** An arbitrary of values that a schema accepts (as far as bounds and enums go), nested at most `depth` deep. */
function valid(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return valid(resolve<Schema>(schema.$ref), depth);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valid(s, depth)));
  if ("const" in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const bound = (key: string, fallback: number) => (typeof schema[key] === "number" ? (schema[key] as number) : fallback);
  switch (type) {
    case "object": {
      if (depth > 4 || !schema.properties) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const shape = Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, valid(value, depth + 1)]));
      return fc.record(shape, { requiredKeys: (schema.required ?? []).filter((key) => key in shape) });
    }
    case "array":
      return fc.array(schema.items ? valid(schema.items, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { maxLength: Math.min(bound("maxItems", 3), 3) });
    case "integer":
      return fc.integer({ min: Math.max(bound("minimum", -1e6), -(2 ** 31)), max: Math.min(bound("maximum", 1e6), 2 ** 31 - 1) });
    case "number":
      return fc.double({ min: bound("minimum", bound("exclusiveMinimum", -1e6)), max: bound("maximum", 1e6), noNaN: true, noDefaultInfinity: true });
    case "string":
      return schema.format === "uuid" ? fc.uuid() : fc.string({ maxLength: Math.min(bound("maxLength", 24), 24) });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Replaces one value somewhere in a document (or adds a field) with something hostile. */
function mutate(value: unknown): fc.Arbitrary<unknown> {
  return fc.tuple(fc.nat(), fc.constantFrom(...HOSTILE), fc.string({ maxLength: 10 }), fc.boolean()).map(([pick, hostile, key, add]) => {
    const copy = structuredClone(value) as unknown;
    const objects: Record<string, unknown>[] = [];
    const walk = (node: unknown) => {
      if (node && typeof node === "object") {
        objects.push(node as Record<string, unknown>);
        for (const child of Object.values(node)) walk(child);
      }
    };
    walk(copy);
    if (objects.length === 0) return hostile;
    const target = objects[pick % objects.length]!;
    const keys = Object.keys(target);
    // an array gains an element: a random key such as "length" would make the generator itself throw
    if ((add || keys.length === 0) && Array.isArray(target)) target.push(hostile);
    else if (add || keys.length === 0) target[key || "extra"] = hostile;
    else target[keys[pick % keys.length]!] = hostile;
    return copy;
  });
}

/** The operation's documented example with a varying seed, so that well-formed bodies are accepted too. */
const exampleOf = (example: unknown): fc.Arbitrary<unknown> =>
  fc.nat({ max: 10_000 }).map((seed) => {
    const copy = structuredClone(example) as { spec?: Record<string, unknown> } & Record<string, unknown>;
    if (copy.spec && typeof copy.spec === "object") copy.spec = { ...copy.spec, ...("grid" in copy.spec ? { repeats: 1 } : { seed }) };
    return copy;
  });

const hostileJson = (schema: Schema | undefined, example: unknown) => {
  const fromSchema = schema ? valid(schema) : fc.jsonValue({ maxDepth: 2 });
  const base = example === undefined ? fromSchema : fc.oneof(fromSchema, exampleOf(example));
  return fc.oneof({ weight: 2, arbitrary: base }, { weight: 4, arbitrary: base.chain(mutate) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
};

const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })));

describe("hostile requests generated from openapi.yaml", () => {
  const { appWith, db } = useHttpHarness();
  /** A fingerprint of every stored row: equal before and after means nothing was written. */
  const fingerprint = async () =>
    rowsOf<{ runs: string | null; sweeps: string | null; members: string | null }>(
      await db().execute(sql`select
        (select md5(string_agg(r::text, '|' order by r.hash)) from runs r) as runs,
        (select md5(string_agg(s::text, '|' order by s.hash)) from sweeps s) as sweeps,
        (select md5(string_agg(m::text, '|' order by m.sweep_hash, m.position)) from sweep_members m) as members`),
    )[0];

  it("never answer 5xx, answer every /v1 refusal with problem+json, and write nothing when refused", async () => {
    const app = appWith({ API_KEYS: API_KEY, RUNNER_TOKEN, QUEUED_CAP: "200" });
    // some real rows, so that path parameters can name existing runs and sweeps
    const known = await (await app.request("/v1/runs", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` }, body: JSON.stringify({ spec: { seed: 1 }, options: { placement: "runner" } }) })).json();
    const request = fc.record({
      operation: fc.constantFrom(...operations),
      hash: fc.oneof(fc.constant(known.hash as string), fc.stringMatching(/^[0-9a-f]{64}$/), fc.constantFrom("nothex", "A".repeat(64), "%2e%2e", "a".repeat(65), "__proto__", "")),
      name: fc.oneof(fc.constantFrom("paper-fig2a", "constructor", "__proto__", "toString"), fc.string({ maxLength: 12 })),
      query: fc.dictionary(fc.constantFrom("limit", "cursor", "status", "lim1t", "__proto__"), fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.constantFrom("0", "101", "-1", "1e3", "succeeded", "queued"))),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8") },
        { weight: 1, arbitrary: fc.constantFrom("application/problem+json", "text/plain", "application/x-www-form-urlencoded", undefined) },
      ),
      // mostly the credential the operation wants, so that bodies are reached; sometimes another
      authorization: fc.oneof(
        { weight: 8, arbitrary: fc.constant("right") },
        { weight: 1, arbitrary: fc.constantFrom(`Bearer ${API_KEY}`, `Bearer ${RUNNER_TOKEN}`, "Bearer wrong", `bearer ${API_KEY}`, "Basic Zm9vOmJhcg==", undefined) },
      ),
      body: fc.oneof({ weight: 6, arbitrary: fc.constant("from-schema") }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: fc.constantFrom("", "{", "[1,2", "null", "\u0000", '{"spec":') }),
      prefer: fc.constantFrom(undefined, "wait=0", "wait=abc", "wait=1e-3"),
      seed: fc.integer(),
    });
    let sent = 0;
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { operation } = r;
        const path = operation.path.replace("{hash}", encodeURIComponent(r.hash)).replace("{name}", encodeURIComponent(r.name)).replace("{code}", encodeURIComponent(r.name));
        const query = new URLSearchParams(r.query).toString();
        const url = query ? `${path}?${query}` : path;
        const headers: Record<string, string> = {};
        if (r.contentType) headers["content-type"] = r.contentType;
        const authorization = r.authorization === "right" ? `Bearer ${operation.path.startsWith("/v1/runner") ? RUNNER_TOKEN : API_KEY}` : r.authorization;
        if (authorization) headers.authorization = authorization;
        if (r.prefer) headers.prefer = r.prefer;
        let body: string | undefined;
        if (operation.method === "POST") {
          const content = operation.operation.requestBody?.content["application/json"] as { schema?: Schema; example?: unknown } | undefined;
          body = r.body === "from-schema" ? JSON.stringify(fc.sample(hostileJson(content?.schema, content?.example), { numRuns: 1, seed: r.seed })[0]) : r.body;
        }
        const before = await fingerprint();
        const response = await app.request(url, { method: operation.method, headers, ...(body === undefined ? {} : { body }) }); // validated against openapi.yaml
        sent++;
        outcomes.add(`${operation.method} ${operation.path} ${Math.floor(response.status / 100)}xx`);
        expect(response.status, `${operation.method} ${url} ${body?.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400) {
          if (url.startsWith("/v1/")) {
            expect(response.headers.get("content-type")).toContain("application/problem+json");
            const problem = await response.json();
            expect(problem).toMatchObject({ status: response.status, type: expect.stringMatching(/^\/problems\/[a-z_]+$/) });
          }
          expect(await fingerprint(), `${operation.method} ${url} was refused with ${response.status} but wrote`).toEqual(before);
        }
      }),
      { numRuns: 1200, seed: 20261130 },
    );
    expect(sent).toBeGreaterThanOrEqual(1000);
    // the generator reaches past the edge checks: bodies are accepted as well as refused
    for (const accepted of ["POST /v1/runs 2xx", "POST /v1/sweeps 2xx", "POST /v1/specs/hash 2xx", "POST /v1/runner/lease 2xx"]) expect(outcomes).toContain(accepted);
    for (const refused of ["POST /v1/runs 4xx", "POST /v1/sweeps 4xx", "POST /v1/runner/jobs/{hash}/complete 4xx", "GET /v1/runs 4xx"]) expect(outcomes).toContain(refused);
  });
});
