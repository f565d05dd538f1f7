/**
 * Import rules of prunelab's parts: which part may import which, and which npm packages each part
 * may use. Why the parts are shaped this way: docs/architecture.md, "Import rules".
 * test/architecture/imports.test.ts runs these rules over src/ in the test suite (zero violations)
 * and over test/fixtures/architecture/ (a tiny tree that breaks them, so the test can fail);
 * `npx depcruise src` runs them by hand.
 *
 * Paths are relative to the directory cruised from (the repository root, or the fixture).
 * npm packages are matched as `node_modules/<name>/` without a leading anchor, because an
 * installation may resolve them through a symlinked node_modules folder.
 */

/** npm dependency types: every way a bare package name can resolve. */
const NPM = ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-bundled", "npm-no-pkg", "npm-unknown"];

/** A path pattern for the given npm packages (names are regular expressions). */
const packages = (...names) => `(^|/)node_modules/(${names.join("|")})/`;

/** Packages that reach a database: only src/store speaks SQL or opens connections. */
const DATABASE = ["drizzle-orm", "drizzle-kit", "pg", "@neondatabase/serverless", "@electric-sql/[^/]+", "ws"];

/** The parts of src/. */
const PARTS = ["core", "engine", "store", "service", "http", "charts", "runner", "cli", "client"];

/** A rule forbidding imports from one part of src into any part not listed. */
const onlyParts = (name, from, allowed, comment) => ({
  name,
  severity: "error",
  comment,
  from: { path: `^src/${from}/` },
  to: { path: "^src/", pathNot: `^src/(${[from, ...allowed].join("|")})/` },
});

/** A rule allowing one part of src only the given npm packages. */
const onlyPackages = (name, from, allowed, comment) => ({
  name,
  severity: "error",
  comment,
  from: { path: `^src/${from}/` },
  to: { dependencyTypes: NPM, pathNot: packages(...allowed) },
});

/** A rule forbidding one part of src the given npm packages. */
const noPackages = (name, from, forbidden, comment) => ({
  name,
  severity: "error",
  comment,
  from: { path: `^src/${from}/` },
  to: { dependencyTypes: NPM, path: packages(...forbidden) },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "No import cycles anywhere in src/, type-only imports included: a cycle hides which module " +
        "depends on which, makes evaluation order matter and ties two modules into one unit.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment:
        "Every import resolves to a file or a package: an import these rules cannot resolve would " +
        "escape them.",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
    {
      name: "known-parts-only",
      severity: "error",
      comment:
        "Every module of src/ lives in a known part (or is the Worker entry): a new folder gets its " +
        "own rules here and its place in docs/architecture.md before it gets code.",
      from: { path: "^src/", pathNot: `^src/((${PARTS.join("|")})/|worker\\.ts$|modules\\.d\\.ts$)` },
      to: {},
    },

    // core: pure TypeScript, runs anywhere (workerd, Node, a browser), testable in milliseconds.
    onlyParts("core-imports-no-part", "core", [],
      "src/core is the innermost part: everything depends on it, it depends on nothing of src/."),
    onlyPackages("core-only-pure-packages", "core", ["zod", "canonicalize", "pure-rand", "d3-dsv", "fastest-levenshtein"],
      "src/core uses only pure packages (schemas, RFC 8785, the seeded RNG, CSV): no framework, " +
      "database driver, tfjs, HTTP client or socket, so the hash, defaults, RNG, cost model and " +
      "aggregation behave the same in every runtime."),
    {
      name: "core-no-node-builtins",
      severity: "error",
      comment: "src/core does no I/O and runs outside Node (workerd, browsers): no node: modules.",
      from: { path: "^src/core/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "kinds-independent",
      severity: "error",
      comment:
        "An experiment kind's folder (src/core/kinds/<kind>/) never imports another kind's: adding " +
        "or removing a kind touches its folder and one registry line, nothing else. Shared code " +
        "lives beside the registry or elsewhere in core.",
      from: { path: "^src/core/kinds/([^/]+)/" },
      to: { path: "^src/core/kinds/[^/]+/", pathNot: "^src/core/kinds/$1/" },
    },

    // engine: training with tfjs; train() does no I/O and serves the Worker, the runner and tests.
    onlyParts("engine-imports-only-core", "engine", ["core"],
      "src/engine trains a parsed spec and returns a result: it knows nothing of storage, HTTP, " +
      "jobs, runners or the CLI, which call it (wired by src/worker.ts and src/runner)."),
    onlyPackages("engine-only-tfjs", "engine", ["@tensorflow/[^/]+"],
      "src/engine's only npm packages are TensorFlow.js's."),
    {
      name: "engine-no-node-io",
      severity: "error",
      comment:
        "train() does no I/O. The one exception is src/engine/node.ts, which reads the WASM binary " +
        "from the installed package to start the wasm backend in Node (in workerd the binary is " +
        "imported as a compiled module instead).",
      from: { path: "^src/engine/", pathNot: "^src/engine/node\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "engine-node-reads-only-files",
      severity: "error",
      comment: "src/engine/node.ts may locate and read a file (node:module, node:fs/promises), nothing else.",
      from: { path: "^src/engine/node\\.ts$" },
      to: { dependencyTypes: ["core"], pathNot: "^(node:)?(module|fs/promises)$" },
    },

    // store: Drizzle schema, database clients, run and sweep stores.
    onlyParts("store-imports-only-core", "store", ["core"],
      "src/store persists core's values; it never knows who calls it (service, HTTP, the Worker) " +
      "nor the engine, runner, CLI or charts."),
    onlyPackages("store-only-drivers", "store", DATABASE,
      "src/store's npm packages are its database drivers (Drizzle, node-postgres, Neon, PGlite) " +
      "and ws for the local WebSocket proxy."),

    // service: the job lifecycle (submit, placement, leases, retry/cancel, edge jobs).
    onlyParts("service-imports-core-and-store", "service", ["core", "store"],
      "src/service holds the job lifecycle behind plain functions: the HTTP routes, the Worker's " +
      "queue consumer and cron, and the runner routes call it, never the other way round. It " +
      "receives train() and the stores from the entry; it never imports HTTP, the engine, the " +
      "runner or the CLI."),
    noPackages("service-no-frameworks", "service", ["hono", "@tensorflow/[^/]+", ...DATABASE],
      "src/service is independent of the HTTP framework (Hono) and of tfjs, and reaches the " +
      "database only through src/store (which owns every SQL statement)."),

    // http: Hono routes, validation, problem+json, views, caching, pages.
    onlyParts("http-imports-core-service-store-charts", "http", ["core", "service", "store", "charts"],
      "src/http shapes requests and responses around the service; it never trains (engine), " +
      "never imports the runner or the CLI."),
    {
      name: "http-store-types-only",
      severity: "error",
      comment:
        "src/http uses src/store only for types (rows it turns into views, store interfaces it " +
        "receives): database clients and stores are created by the entry (src/worker.ts) and " +
        "passed to createApp.",
      from: { path: "^src/http/" },
      to: { path: "^src/store/", dependencyTypesNot: ["type-only"] },
    },
    noPackages("http-no-engine-or-database", "http", ["@tensorflow/[^/]+", ...DATABASE],
      "src/http neither trains nor opens database connections: both are wired in src/worker.ts."),

    // charts: Vega-Lite to SVG without code generation.
    onlyParts("charts-imports-only-core", "charts", ["core"],
      "src/charts renders core's Vega-Lite specs to SVG; it knows nothing else of src/."),
    onlyPackages("charts-only-vega", "charts", ["vega", "vega-lite", "vega-interpreter"],
      "src/charts uses only Vega, Vega-Lite and Vega's expression interpreter."),

    // runner: a companion runner reaches the database only through the API.
    onlyParts("runner-through-api", "runner", ["core", "engine", "client"],
      "A companion runner runs on any machine with a runner token and no database credentials: it " +
      "leases jobs and posts results through the typed client (the API validates and stores " +
      "them). It never imports store, service, HTTP or the CLI."),
    noPackages("runner-no-database", "runner", ["hono", ...DATABASE],
      "A runner has no database driver and serves no HTTP."),

    // cli: the prunelab CLI talks to any prunelab API through the typed client.
    onlyParts("cli-through-client", "cli", ["client", "core"],
      "The CLI works against any prunelab API, local or remote, through the typed client (and " +
      "core's pure formatting). `reproduce` starts a companion runner as a separate process " +
      "(bin/prunelab-runner.mjs); it never imports the runner, the engine, the store, the " +
      "service or HTTP."),
    noPackages("cli-no-server-packages", "cli", ["hono", "@tensorflow/[^/]+", ...DATABASE],
      "The CLI is a client: no server framework, no tfjs, no database driver."),

    // client: generated from openapi.yaml.
    onlyParts("client-imports-nothing", "client", [],
      "src/client is generated from openapi.yaml and is usable on its own (notebooks, other " +
      "projects): it imports nothing of src/."),
    onlyPackages("client-only-openapi-fetch", "client", ["openapi-fetch"],
      "src/client's only package is openapi-fetch."),
    {
      name: "client-no-node-builtins",
      severity: "error",
      comment: "src/client runs in Node, workerd and browsers alike.",
      from: { path: "^src/client/" },
      to: { dependencyTypes: ["core"] },
    },

    // The entries wire everything; nothing wires them.
    {
      name: "entries-not-imported",
      severity: "error",
      comment:
        "Entries (the Worker, the runner's and the CLI's command lines, the training thread's " +
        "bootstrap) are where dependencies are created and wired; no module imports one.",
      from: { path: "^src/" },
      to: { path: "^src/(worker\\.ts|runner/cli\\.ts|cli/prunelab\\.ts|runner/train-worker-entry\\.mjs)$" },
    },
    {
      name: "http-only-from-worker",
      severity: "error",
      comment: "Only src/worker.ts mounts the HTTP app (createApp); no other part imports src/http.",
      from: { path: "^src/", pathNot: "^src/(http/|worker\\.ts$)" },
      to: { path: "^src/http/" },
    },
    {
      name: "engine-only-from-entries",
      severity: "error",
      comment:
        "The engine is started and handed to the rest by the entries: src/worker.ts (workerd " +
        "backend, edge jobs) and src/runner (training threads). Everything else receives train().",
      from: { path: "^src/", pathNot: "^src/(engine/|runner/|worker\\.ts$)" },
      to: { path: "^src/engine/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports are dependencies too: a cycle or a forbidden import through types couples
    // the parts just the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    skipAnalysisNotInRules: true,
    // Resolve packages as Node and bundlers do (package.json "exports" with these conditions), so
    // subpath imports such as hono/body-limit or pure-rand/distribution/uniformInt resolve to
    // their package and the package rules apply to them.
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
