/** The pure core of prunelab: no I/O, no frameworks, no clock. */
export * from "./aggregate.js";
export * from "./canonical.js";
export * from "./cost.js";
export * from "./data.js";
export * from "./errors.js";
export * from "./limits.js";
export * from "./parameters.js";
export * from "./result.js";
export * from "./rng.js";
export * from "./spec.js";
export * from "./sweep.js";
export * from "./theory.js";
export * from "./validation.js";
export * from "./status.js";
export * from "./presets.js";
export * from "./result-schema.js";
export * from "./charts.js";
