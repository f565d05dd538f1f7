import { Hono } from "hono";
import { AppError, identifyRunSpec, identifySweepSpec, parseRunSpec, parseSweepSpec } from "../../core/index.js";
import type { ApiConfig } from "../config.js";
import { limitBody } from "../middleware.js";
import { presetViews } from "../presets.js";
import { readJson } from "../request.js";

const PRESET_CACHING = { "cache-control": "public, max-age=300" };
const NO_STORE = { "cache-control": "no-store" };

/** Spec identity (no side effects, no key) and the presets. */
export function createSpecRoutes(config: ApiConfig) {
  const routes = new Hono();

  routes.post("/specs/hash", limitBody(config.MAX_BODY_BYTES), async (c) => {
    const body = await readJson(c);
    // A run spec is strict and has no `grid`, so a body with one can only be a sweep spec.
    if (typeof body === "object" && body !== null && "grid" in body) {
      return c.json({ kind: "sweep" as const, ...(await identifySweepSpec(parseSweepSpec(body))) }, 200, NO_STORE);
    }
    return c.json({ kind: "run" as const, ...(await identifyRunSpec(parseRunSpec(body))) }, 200, NO_STORE);
  });

  routes.get("/presets", async (c) => c.json(await presetViews(), 200, PRESET_CACHING));
  routes.get("/presets/:name", async (c) => {
    const preset = (await presetViews()).find((p) => p.name === c.req.param("name"));
    if (!preset) throw new AppError("not_found", `no preset named "${c.req.param("name")}"`);
    return c.json(preset, 200, PRESET_CACHING);
  });

  return routes;
}
