/** Persistence: one Db type for every driver, and the run and sweep stores. Worker-safe (no Node imports). */
export * from "./db.js";
export * from "./errors.js";
export * from "./neon.js";
export * from "./opener.js";
export * from "./pages.js";
export * from "./runs.js";
export * from "./schema.js";
export * from "./schema-version.js";
export * from "./sweeps.js";
