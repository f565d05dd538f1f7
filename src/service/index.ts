/** The job lifecycle: one service the HTTP routes, the edge consumer and the cron call (docs/architecture.md). */
export * from "./edge-job.js";
export * from "./jobs.js";
export * from "./leases.js";
export * from "./placement.js";
export * from "./stores.js";
