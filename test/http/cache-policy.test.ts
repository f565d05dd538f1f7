import { describe, expect, it } from "vitest";
import { IMMUTABLE, REPRESENTATION_VERSION, cacheTags } from "../../src/http/caching.js";
import { createRunStore } from "../../src/store/index.js";
import { PROVENANCE, RESULT } from "../store/suite.js";
import { postJson as post, useHttpHarness } from "./harness.js";

/**
 * What every route lets a cache do (docs/decisions/008). Workers Cache sits in front of the Worker
 * in production and stores whatever a response's Cache-Control allows, so this table is the whole
 * policy: immutable representations of succeeded results (with ETag and Cache-Tag), a short public
 * max-age for documents that change only with a deploy, and `no-store` for everything else.
 */

const TOKEN = "cache-policy-runner-token";
const runner = { authorization: `Bearer ${TOKEN}` };
const ENV = { RUNNER_TOKEN: TOKEN };
const KEY = { authorization: "Bearer k-one" };
const KEYED = { ...ENV, API_KEYS: "k-one" };
const VERSION_TAG = `v${REPRESENTATION_VERSION}`;

const RUN_SPEC = { seed: 7, data: { patchDim: 20, trainSize: 12, testSize: 20 }, model: { width: 4 }, training: { steps: 20, evalEvery: 10 } };
const SWEEP_SPEC = { base: RUN_SPEC, grid: { "pruning.sparsity": [0, 0.5] }, repeats: 1 };
/** A sweep with two numeric axes: it has a regime map. */
const MAP_SWEEP_SPEC = { base: RUN_SPEC, grid: { "pruning.sparsity": [0, 0.5], "data.noiseStd": [0.5, 1] }, repeats: 1 };

type RunState = "queued" | "running" | "failed" | "canceled" | "succeeded";
type SweepState = "queued" | "running" | "failed" | "succeeded";
/** What a row's request is about: a hash, and the lease when a runner holds it. */
interface Subject {
  hash: string;
  leaseId?: string;
}

/** The policy a response must follow. */
type Policy =
  | { cache: "no-store" }
  | { cache: "short"; cacheControl: string }
  | { cache: "immutable"; representation: string; kind: string };
const NO_STORE: Policy = { cache: "no-store" };
const shortLived = (seconds: number): Policy => ({ cache: "short", cacheControl: `public, max-age=${seconds}` });
/** `representation` is the ETag's suffix after the hash ("" for the JSON); `kind` is the expected kind tag. */
const immutable = (representation: string, kind: string): Policy => ({ cache: "immutable", representation, kind });

interface Row {
  route: string;
  state: string;
  env?: Record<string, string>;
  setup?: (world: World) => Promise<Subject>;
  path: (subject: Subject) => string;
  init?: (subject: Subject) => RequestInit;
  status: number;
  policy: Policy;
}

interface World {
  run(state: RunState): Promise<Subject>;
  sweep(state: SweepState, spec?: typeof SWEEP_SPEC | typeof MAP_SWEEP_SPEC): Promise<Subject>;
}

const NONE = "-";
const UNKNOWN = "e".repeat(64);
const empty = async (): Promise<Subject> => ({ hash: UNKNOWN });

const runStates: RunState[] = ["queued", "running", "failed", "canceled", "succeeded"];
const sweepStates: SweepState[] = ["queued", "running", "failed", "succeeded"];

/** Every route of openapi.yaml, in every state that changes its caching. */
const ROWS: Row[] = [
  // documents and the API's own metadata
  { route: "GET /healthz", state: NONE, path: () => "/healthz", status: 200, policy: NO_STORE },
  { route: "GET /openapi.yaml", state: NONE, path: () => "/openapi.yaml", status: 200, policy: shortLived(300) },
  { route: "GET /docs", state: NONE, path: () => "/docs", status: 200, policy: shortLived(300) },
  { route: "GET /problems/{code}", state: "known", path: () => "/problems/validation_failed", status: 200, policy: shortLived(86400) },
  { route: "GET /problems/{code}", state: "unknown", path: () => "/problems/no_such_code", status: 404, policy: NO_STORE },
  { route: "GET /v1/presets", state: NONE, path: () => "/v1/presets", status: 200, policy: shortLived(300) },
  { route: "GET /v1/presets/{name}", state: "known", path: () => "/v1/presets/paper-5.1", status: 200, policy: shortLived(300) },
  { route: "GET /v1/presets/{name}", state: "unknown", path: () => "/v1/presets/nope", status: 404, policy: NO_STORE },
  { route: "GET (no such endpoint)", state: NONE, path: () => "/v2/everything", status: 404, policy: NO_STORE },

  // lists change with every submission
  { route: "GET /v1/runs", state: "a succeeded run exists", setup: (w) => w.run("succeeded"), path: () => "/v1/runs", status: 200, policy: NO_STORE },
  { route: "GET /v1/runs?status=succeeded", state: "a succeeded run exists", setup: (w) => w.run("succeeded"), path: () => "/v1/runs?status=succeeded", status: 200, policy: NO_STORE },
  { route: "GET /v1/runs?limit=1000", state: "invalid query", path: () => "/v1/runs?limit=1000", status: 400, policy: NO_STORE },
  { route: "GET /v1/sweeps", state: "a succeeded sweep exists", setup: (w) => w.sweep("succeeded"), path: () => "/v1/sweeps", status: 200, policy: NO_STORE },

  // a run and its representations: immutable once succeeded, never stored before or after failing
  ...runStates.flatMap((state): Row[] => {
    const final = state === "succeeded";
    const setup = (w: World) => w.run(state);
    return [
      { route: "GET /v1/runs/{hash}", state, setup, path: (s) => `/v1/runs/${s.hash}`, status: 200, policy: final ? immutable("", "run") : NO_STORE },
      { route: "GET /v1/runs/{hash}/chart.json", state, setup, path: (s) => `/v1/runs/${s.hash}/chart.json`, status: final ? 200 : 409, policy: final ? immutable(".chart.json", "run.chart.json") : NO_STORE },
      { route: "GET /v1/runs/{hash}/chart.svg", state, setup, path: (s) => `/v1/runs/${s.hash}/chart.svg`, status: final ? 200 : 409, policy: final ? immutable(".chart.svg", "run.chart.svg") : NO_STORE },
      { route: "GET /view/runs/{hash}", state, setup, path: (s) => `/view/runs/${s.hash}`, status: 200, policy: final ? immutable(".view", "run.view") : NO_STORE },
    ];
  }),
  { route: "GET /v1/runs/{hash}", state: "unknown", setup: empty, path: (s) => `/v1/runs/${s.hash}`, status: 404, policy: NO_STORE },
  { route: "GET /v1/runs/{hash}", state: "not a hash", path: () => "/v1/runs/XYZ", status: 400, policy: NO_STORE },
  { route: "GET /v1/runs/{hash}/chart.svg", state: "unknown", setup: empty, path: (s) => `/v1/runs/${s.hash}/chart.svg`, status: 404, policy: NO_STORE },
  { route: "GET /view/runs/{hash}", state: "not a hash", path: () => "/view/runs/not-a-hash", status: 400, policy: NO_STORE },

  // a sweep and its representations: immutable once every member succeeded
  ...sweepStates.flatMap((state): Row[] => {
    const final = state === "succeeded";
    const setup = (w: World) => w.sweep(state);
    return [
      { route: "GET /v1/sweeps/{hash}", state, setup, path: (s) => `/v1/sweeps/${s.hash}`, status: 200, policy: final ? immutable("", "sweep") : NO_STORE },
      { route: "GET /v1/sweeps/{hash}/table.csv", state, setup, path: (s) => `/v1/sweeps/${s.hash}/table.csv`, status: 200, policy: final ? immutable(".csv", "sweep.csv") : NO_STORE },
      { route: "GET /v1/sweeps/{hash}/chart.json", state, setup, path: (s) => `/v1/sweeps/${s.hash}/chart.json`, status: 200, policy: final ? immutable(".chart.json", "sweep.chart.json") : NO_STORE },
      { route: "GET /v1/sweeps/{hash}/chart.svg", state, setup, path: (s) => `/v1/sweeps/${s.hash}/chart.svg`, status: 200, policy: final ? immutable(".chart.svg", "sweep.chart.svg") : NO_STORE },
      { route: "GET /view/sweeps/{hash}", state, setup, path: (s) => `/view/sweeps/${s.hash}`, status: 200, policy: final ? immutable(".view", "sweep.view") : NO_STORE },
    ];
  }),
  // a regime map: only for a sweep with two numeric axes, cached as the sweep's other representations
  ...sweepStates.flatMap((state): Row[] => {
    const final = state === "succeeded";
    const setup = (w: World) => w.sweep(state, MAP_SWEEP_SPEC);
    return [
      { route: "GET /v1/sweeps/{hash}/map.json", state, setup, path: (s) => `/v1/sweeps/${s.hash}/map.json`, status: 200, policy: final ? immutable(".map.json", "sweep.map.json") : NO_STORE },
      { route: "GET /v1/sweeps/{hash}/map.svg", state, setup, path: (s) => `/v1/sweeps/${s.hash}/map.svg`, status: 200, policy: final ? immutable(".map.svg", "sweep.map.svg") : NO_STORE },
    ];
  }),
  { route: "GET /v1/sweeps/{hash}/map.json", state: "one axis", setup: (w) => w.sweep("succeeded"), path: (s) => `/v1/sweeps/${s.hash}/map.json`, status: 404, policy: NO_STORE },
  { route: "GET /v1/sweeps/{hash}/map.svg", state: "unknown", setup: empty, path: (s) => `/v1/sweeps/${s.hash}/map.svg`, status: 404, policy: NO_STORE },
  { route: "GET /v1/sweeps/{hash}", state: "unknown", setup: empty, path: (s) => `/v1/sweeps/${s.hash}`, status: 404, policy: NO_STORE },
  { route: "GET /v1/sweeps/{hash}/table.csv", state: "unknown", setup: empty, path: (s) => `/v1/sweeps/${s.hash}/table.csv`, status: 404, policy: NO_STORE },
  { route: "GET /view/sweeps/{hash}", state: "unknown", setup: empty, path: (s) => `/view/sweeps/${s.hash}`, status: 404, policy: NO_STORE },

  // every POST: never stored by any cache, and said so
  { route: "POST /v1/cache/purge", state: "valid", env: { ...ENV, ADMIN_TOKEN: "admin-token-0123456789" }, path: () => "/v1/cache/purge", init: () => post({ tags: ["v3"] }, { authorization: "Bearer admin-token-0123456789" }), status: 200, policy: NO_STORE },
  { route: "POST /v1/cache/purge", state: "closed", path: () => "/v1/cache/purge", init: () => post({ tags: ["v3"] }), status: 403, policy: NO_STORE },
  { route: "POST /v1/specs/hash", state: "valid", path: () => "/v1/specs/hash", init: () => post({ seed: 1 }), status: 200, policy: NO_STORE },
  { route: "POST /v1/specs/hash", state: "malformed", path: () => "/v1/specs/hash", init: () => ({ method: "POST", headers: { "content-type": "application/json" }, body: "{" }), status: 400, policy: NO_STORE },
  { route: "POST /v1/runs", state: "new", path: () => "/v1/runs", init: () => post({ spec: RUN_SPEC, options: { placement: "runner" } }), status: 202, policy: NO_STORE },
  { route: "POST /v1/runs", state: "succeeded", setup: (w) => w.run("succeeded"), path: () => "/v1/runs", init: () => post({ spec: RUN_SPEC, options: { placement: "runner" } }), status: 200, policy: NO_STORE },
  { route: "POST /v1/runs", state: "invalid", path: () => "/v1/runs", init: () => post({ spec: { model: { width: 0 } } }), status: 422, policy: NO_STORE },
  { route: "POST /v1/runs", state: "without its key", env: KEYED, path: () => "/v1/runs", init: () => post({ spec: RUN_SPEC }), status: 401, policy: NO_STORE },
  { route: "POST /v1/sweeps", state: "new", path: () => "/v1/sweeps", init: () => post({ spec: SWEEP_SPEC, options: { placement: "runner" } }), status: 202, policy: NO_STORE },
  { route: "POST /v1/sweeps", state: "succeeded", setup: (w) => w.sweep("succeeded"), path: () => "/v1/sweeps", init: () => post({ spec: SWEEP_SPEC, options: { placement: "runner" } }), status: 200, policy: NO_STORE },
  { route: "POST /v1/runs/{hash}/retry", state: "failed", setup: (w) => w.run("failed"), path: (s) => `/v1/runs/${s.hash}/retry`, init: () => ({ method: "POST" }), status: 200, policy: NO_STORE },
  { route: "POST /v1/runs/{hash}/retry", state: "queued", setup: (w) => w.run("queued"), path: (s) => `/v1/runs/${s.hash}/retry`, init: () => ({ method: "POST" }), status: 409, policy: NO_STORE },
  { route: "POST /v1/runs/{hash}/cancel", state: "queued", setup: (w) => w.run("queued"), path: (s) => `/v1/runs/${s.hash}/cancel`, init: () => ({ method: "POST" }), status: 200, policy: NO_STORE },
  { route: "POST /v1/runs/{hash}/cancel", state: "unknown", setup: empty, path: (s) => `/v1/runs/${s.hash}/cancel`, init: () => ({ method: "POST" }), status: 404, policy: NO_STORE },
  { route: "POST /v1/runner/lease", state: "a job waits", setup: (w) => w.run("queued"), path: () => "/v1/runner/lease", init: () => post({ runnerId: "r1" }, runner), status: 200, policy: NO_STORE },
  { route: "POST /v1/runner/lease", state: "nothing waits", path: () => "/v1/runner/lease", init: () => post({ runnerId: "r1" }, runner), status: 204, policy: NO_STORE },
  { route: "POST /v1/runner/lease", state: "without the token", path: () => "/v1/runner/lease", init: () => post({ runnerId: "r1" }), status: 401, policy: NO_STORE },
  { route: "POST /v1/runner/jobs/{hash}/heartbeat", state: "leased", setup: (w) => w.run("running"), path: (s) => `/v1/runner/jobs/${s.hash}/heartbeat`, init: (s) => post({ leaseId: s.leaseId, step: 5 }, runner), status: 200, policy: NO_STORE },
  { route: "POST /v1/runner/jobs/{hash}/heartbeat", state: "lease lost", setup: (w) => w.run("canceled"), path: (s) => `/v1/runner/jobs/${s.hash}/heartbeat`, init: () => post({ leaseId: crypto.randomUUID() }, runner), status: 409, policy: NO_STORE },
  { route: "POST /v1/runner/jobs/{hash}/complete", state: "leased", setup: (w) => w.run("running"), path: (s) => `/v1/runner/jobs/${s.hash}/complete`, init: (s) => post({ leaseId: s.leaseId, result: RESULT, provenance: PROVENANCE }, runner), status: 200, policy: NO_STORE },
  { route: "POST /v1/runner/jobs/{hash}/fail", state: "leased", setup: (w) => w.run("running"), path: (s) => `/v1/runner/jobs/${s.hash}/fail`, init: (s) => post({ leaseId: s.leaseId, error: { code: "training_failed", message: "out of memory" }, retryable: false }, runner), status: 200, policy: NO_STORE },
];

/** The caching headers of a response, as a comparable record. */
const cachingOf = (response: Response) => ({
  cacheControl: response.headers.get("cache-control"),
  etag: response.headers.get("etag"),
  cacheTag: response.headers.get("cache-tag"),
});

describe("cache policy of every route (app.request, PGlite)", () => {
  const { appWith, db } = useHttpHarness();

  /** Puts a run or a sweep in a state, through the API (with a key, for keyed apps) and the store. */
  function worldOf(app: ReturnType<typeof appWith>): World {
    const store = () => createRunStore(db());
    const claim = (max: number) => store().claim({ placement: "runner", holder: "cache-policy", max, leaseMs: 60_000 });
    return {
      async run(state) {
        const { hash } = await (await app.request("/v1/runs", post({ spec: RUN_SPEC, options: { placement: "runner" } }, KEY))).json();
        if (state === "queued") return { hash };
        if (state === "canceled") {
          await store().cancel(hash);
          return { hash };
        }
        const [lease] = await claim(1);
        const leaseId = lease!.leaseId;
        if (state === "succeeded") await store().complete({ hash, leaseId, result: RESULT, provenance: PROVENANCE });
        if (state === "failed") await store().fail({ hash, leaseId, error: { code: "training_failed", message: "out of memory", retryable: false }, maxAttempts: 1 });
        return { hash, leaseId };
      },
      async sweep(state, spec = SWEEP_SPEC) {
        const { hash, size } = await (await app.request("/v1/sweeps", post({ spec, options: { placement: "runner" } }, KEY))).json();
        if (state === "queued") return { hash };
        const leases = await claim(state === "running" ? 1 : size);
        if (state === "running") return { hash };
        for (const [i, lease] of leases.entries()) {
          if (state === "failed" && i === 0) await store().fail({ hash: lease.hash, leaseId: lease.leaseId, error: { code: "training_failed", message: "out of memory", retryable: false }, maxAttempts: 1 });
          else await store().complete({ hash: lease.hash, leaseId: lease.leaseId, result: RESULT, provenance: PROVENANCE });
        }
        return { hash };
      },
    };
  }

  /** The headers the policy allows for this row. */
  function allowed(row: Row, subject: Subject) {
    const { policy } = row;
    if (policy.cache !== "immutable") {
      return [{ cacheControl: policy.cache === "no-store" ? "no-store" : policy.cacheControl, etag: null, cacheTag: null }];
    }
    const etag = `"${subject.hash}${policy.representation}"`;
    return [{ cacheControl: IMMUTABLE, etag, cacheTag: [subject.hash, policy.kind, VERSION_TAG].join(",") }];
  }

  async function send(row: Row, headers: Record<string, string> = {}) {
    const app = appWith(row.env ?? ENV);
    const subject = row.setup ? await row.setup(worldOf(app)) : { hash: UNKNOWN };
    const init = row.init?.(subject) ?? {};
    const response = await app.request(row.path(subject), { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
    return { app, subject, response, path: row.path(subject) };
  }

  it.each(ROWS.map((row) => ({ ...row, name: `${row.route} (${row.state}) → ${row.status}, ${row.policy.cache}` })))("$name", async (row) => {
    const { subject, response } = await send(row);
    expect(response.status).toBe(row.status);
    expect(allowed(row, subject)).toContainEqual(cachingOf(response));
    // nothing that would make a shared cache key or refuse per client
    expect(response.headers.get("vary")).toBeNull();
    expect(response.headers.get("set-cookie")).toBeNull();
    if (row.policy.cache !== "immutable") expect(response.headers.get("cache-control") ?? "").not.toContain("immutable");
  });


  const immutableRows = ROWS.filter((row) => row.policy.cache === "immutable");
  /** Routes that answer If-None-Match from the ETag alone; the sweep JSON and CSV load and answer 200. */
  it.each(immutableRows.map((row) => ({ ...row, name: `${row.route}: a conditional GET carries the 200's ETag, Cache-Control and Cache-Tag` })))("$name", async (row) => {
    const { app, response, path } = await send(row);
    const etag = response.headers.get("etag")!;
    const conditional = await app.request(path, { headers: { "if-none-match": etag } });
    expect(conditional.status).toBe(304);
    expect(cachingOf(conditional)).toEqual(cachingOf(response));
  });

  it("gives every immutable representation of one result the same hash and version tags, and each its own kind", async () => {
    const run = immutableRows.filter((row) => row.setup && row.state === "succeeded" && row.route.includes("/runs/"));
    const app = appWith(ENV);
    const { hash } = await worldOf(app).run("succeeded");
    const tags = await Promise.all(run.map(async (row) => (await app.request(row.path({ hash }))).headers.get("cache-tag")!.split(",")));
    for (const list of tags) expect(list).toEqual(expect.arrayContaining([hash, VERSION_TAG]));
    const kinds = tags.map((list) => list.filter((tag) => tag !== hash && tag !== VERSION_TAG).join());
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  describe("requests that carry Authorization (docs/decisions/008)", () => {
    // A shared cache stores a response to a request with Authorization only when the response says
    // `public` (or `s-maxage`, `must-revalidate`), and then serves it to every later request. That is
    // safe here because reads are not keyed: an immutable representation is the same bytes for
    // every reader, keyed or not (docs/decisions/008).
    const reads = ROWS.filter((row) => row.policy.cache === "immutable" || (row.route.startsWith("GET /v1/runs/{hash}") && row.state === "queued"));

    it.each(reads.map((row) => ({ ...row, name: `${row.route} (${row.state}): the same response with a valid key, a wrong key, or none` })))("$name", async (row) => {
      const app = appWith(KEYED);
      const subject = await row.setup!(worldOf(app));
      const path = row.path(subject);
      const answers = await Promise.all(
        [{}, KEY, { authorization: "Bearer wrong" }].map(async (headers) => {
          const response = await app.request(path, { headers });
          return { status: response.status, caching: cachingOf(response), vary: response.headers.get("vary"), body: await response.text() };
        }),
      );
      expect(answers[0]!.status).toBe(row.status);
      expect(allowed(row, subject)).toContainEqual(answers[0]!.caching);
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      expect(answers[0]!.vary).toBeNull();
      if (row.policy.cache === "immutable") expect(answers[0]!.caching.cacheControl).toMatch(/^public\b/);
    });
  });
});

describe("cacheTags", () => {
  const hash = "ab".repeat(32);
  const etags = ["", ".csv", ".chart.json", ".chart.svg", ".view"].map((suffix) => hash + suffix);

  it("tags the hash, the kind named by the resource, and the representation version", () => {
    expect(cacheTags(hash, "run")).toBe(`${hash},run,${VERSION_TAG}`);
    expect(cacheTags(`${hash}.csv`, "sweep")).toBe(`${hash},sweep.csv,${VERSION_TAG}`);
    expect(cacheTags(`${hash}.chart.svg`, "run")).toBe(`${hash},run.chart.svg,${VERSION_TAG}`);
    expect(cacheTags(`${hash}.view`, "sweep")).toBe(`${hash},sweep.view,${VERSION_TAG}`);
    expect(cacheTags(`${hash}.chart.json`)).toBe(`${hash},${VERSION_TAG}`);
  });

  it("stays within what Cloudflare keeps: printable ASCII without spaces, at most 1024 characters a tag, distinct ignoring case", () => {
    const all = etags.flatMap((etag) => (["run", "sweep"] as const).flatMap((resource) => cacheTags(etag, resource).split(",")));
    for (const tag of all) {
      expect(tag).toMatch(/^[\x21-\x2b\x2d-\x7e]+$/); // printable, no comma
      expect(tag.length).toBeLessThanOrEqual(1024);
    }
    const kinds = all.filter((tag) => tag !== hash && tag !== VERSION_TAG);
    expect(new Set(kinds.map((tag) => tag.toLowerCase())).size).toBe(kinds.length);
  });
});
