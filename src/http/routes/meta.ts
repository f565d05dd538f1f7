import { Hono } from "hono";
import { ERROR_CODES } from "../../core/index.js";
import { PAGE_CSP } from "../pages.js";
import { problemPage } from "../problem.js";
import { renderReference, renderReferenceError, type ProblemType } from "../reference.js";

const PROBLEM_TYPES: ProblemType[] = Object.entries(ERROR_CODES).map(([code, { status, title }]) => ({ code, status, title }));

/**
 * Health, the contract and its reference, and the problem types' explanations. The reference is
 * rendered on the server from openapi.yaml, with no script (docs/decisions/010-api-reference.md):
 * the YAML parser is loaded and the document parsed and rendered on the first request to /docs
 * only, then kept for the life of the app (one per isolate in the Worker).
 */
export function createMetaRoutes(openapiDocument: string | undefined) {
  const routes = new Hono();
  routes.get("/healthz", (c) => c.json({ status: "ok" }, 200, { "cache-control": "no-store" })); // a cache must never answer for the service
  if (openapiDocument) {
    let reference: Promise<string> | undefined;
    const render = async () => {
      const { parse } = await import("yaml");
      return String(await renderReference(parse(openapiDocument), PROBLEM_TYPES));
    };
    routes.get("/openapi.yaml", (c) => c.body(openapiDocument, 200, { "content-type": "application/yaml; charset=utf-8", "cache-control": "public, max-age=300" }));
    routes.get("/docs", async (c) => {
      try {
        reference ??= render();
        return c.html(await reference, 200, { "content-security-policy": PAGE_CSP, "cache-control": "public, max-age=300" });
      } catch (error) {
        reference = undefined; // try again on the next request
        console.error("the API reference could not be rendered", error);
        return c.html(String(await renderReferenceError()), 500, { "content-security-policy": PAGE_CSP, "cache-control": "no-store" });
      }
    });
  }
  routes.get("/problems/:code", (c) => problemPage(c.req.param("code")) ?? c.notFound());
  return routes;
}
