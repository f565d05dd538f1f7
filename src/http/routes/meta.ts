import { Hono } from "hono";
import { problemPage } from "../problem.js";

/** An interactive reference of /openapi.yaml (Scalar, loaded by the reader's browser). */
function docsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prunelab API</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script id="api-reference" data-url="/openapi.yaml"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.34.6"></script></body></html>`;
}

/** Health, the contract and its reference, and the problem types' explanations. */
export function createMetaRoutes(openapiDocument: string | undefined) {
  const routes = new Hono();
  routes.get("/healthz", (c) => c.json({ status: "ok" }, 200, { "cache-control": "no-store" })); // a cache must never answer for the service
  if (openapiDocument) {
    routes.get("/openapi.yaml", (c) => c.body(openapiDocument, 200, { "content-type": "application/yaml; charset=utf-8", "cache-control": "public, max-age=300" }));
    routes.get("/docs", (c) => c.html(docsPage(), 200, { "cache-control": "public, max-age=300" }));
  }
  routes.get("/problems/:code", (c) => problemPage(c.req.param("code")) ?? c.notFound());
  return routes;
}
