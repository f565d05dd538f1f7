import { defineConfig } from "vitest/config";

/**
 * Two projects: `node` runs the pure core, the engine in Node, stores and HTTP tests; `workerd`
 * runs tests inside the Workers runtime (vitest.workerd.config.ts) through the Workers pool.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/workerd/**"],
          globalSetup: ["test/setup/postgres.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      "./vitest.workerd.config.ts",
    ],
  },
});
