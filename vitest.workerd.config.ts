import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";

/**
 * Tests that run inside workerd, the real Workers runtime, with the bindings of wrangler.toml;
 * the database is a real PostgreSQL server reached through the Neon driver and the proxy.
 */
export default defineProject({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          DATABASE_URL: inject("workerdDatabaseUrl"),
          WS_PROXY: inject("workerdWsProxy"),
          RUNNER_TOKEN: "workerd-test-runner-token",
          EDGE_LEASE_SECONDS: "60",
          LEASE_MIN_SECONDS: "1",
        },
      },
    })),
  ],
  test: {
    name: "workerd",
    include: ["test/workerd/**/*.test.ts"],
    globalSetup: ["test/workerd/global-setup.ts"],
    testTimeout: 120_000,
  },
});
