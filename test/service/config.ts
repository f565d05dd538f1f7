import type { JobServiceConfig } from "../../src/service/index.js";

/** The job service's settings in its tests: short leases allowed, a small queue, a closed edge budget's worth of headroom. */
export const testServiceConfig = (overrides: Partial<JobServiceConfig> = {}): JobServiceConfig => ({
  QUEUED_CAP: 100,
  EDGE_MAX_MACS: 5e11,
  LEASE_MIN_SECONDS: 0.01,
  LEASE_MAX_SECONDS: 600,
  LEASE_DEFAULT_SECONDS: 60,
  MAX_ATTEMPTS: 2,
  ...overrides,
});
