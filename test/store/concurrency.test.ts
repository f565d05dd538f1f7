import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRunStore, rowsOf, type Lease } from "../../src/store/index.js";
import { openPostgresViaNeon, truncateAll } from "./databases.js";
import { PROVENANCE, RESULT, sleep, specOf } from "./suite.js";

/** Concurrency and faults on the real server (PGlite is one connection: nothing runs concurrently there). */
describe("stores on PostgreSQL under concurrency and faults", () => {
  let handle: Awaited<ReturnType<typeof openPostgresViaNeon>>;
  beforeAll(async () => {
    handle = await openPostgresViaNeon();
  });
  afterAll(async () => {
    await handle?.close();
  });
  beforeEach(async () => {
    await truncateAll(handle);
  });

  it("gives each of 100 jobs to exactly one of 8 concurrent claimers", async () => {
    const store = createRunStore(handle.db);
    const specs = await Promise.all(Array.from({ length: 100 }, (_, i) => specOf(1000 + i)));
    for (const spec of specs) await store.submit({ ...spec, placement: "runner", queuedCap: 1000 });
    const claimer = async (id: number) => {
      const mine: Lease[] = [];
      for (;;) {
        const batch = await store.claim({ placement: "runner", holder: `claimer-${id}`, max: 3, leaseMs: 60_000 });
        if (batch.length === 0) return mine;
        mine.push(...batch);
      }
    };
    const perClaimer = await Promise.all(Array.from({ length: 8 }, (_, id) => claimer(id)));
    const claimed = perClaimer.flat().map((lease) => lease.hash);
    expect(claimed).toHaveLength(100);
    expect(new Set(claimed).size).toBe(100);
    expect(perClaimer.filter((mine) => mine.length > 0).length).toBeGreaterThan(1); // they really ran concurrently
    expect(await store.countByStatus("running")).toBe(100);
  });

  it("creates one run and one job from 20 concurrent submits of the same spec", async () => {
    const store = createRunStore(handle.db);
    const spec = await specOf(7);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.submit({ ...spec, placement: "edge", queuedCap: 1000 })));
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.run.hash))).toEqual(new Set([spec.hash]));
    const [{ n }] = rowsOf<{ n: number }>(await handle.db.execute(sql`select count(*)::int as n from runs`)) as [{ n: number }];
    expect(n).toBe(1);
  });

  it("recovers a job whose claimer died holding its lease, and stores its result once", async () => {
    const store = createRunStore(handle.db);
    const spec = await specOf(8);
    await store.submit({ ...spec, placement: "runner", queuedCap: 10 });
    const [dead] = await store.claim({ placement: "runner", holder: "dies", max: 1, leaseMs: 1000 });
    expect(await store.claim({ placement: "runner", holder: "other", max: 1, leaseMs: 1000 })).toEqual([]); // still leased
    await sleep(1100);
    await store.expireLeases(3);
    const [alive] = await store.claim({ placement: "runner", holder: "other", max: 1, leaseMs: 60_000 });
    expect(alive!.hash).toBe(dead!.hash);
    const [a, b] = await Promise.all([
      store.complete({ hash: spec.hash, leaseId: alive!.leaseId, result: RESULT, provenance: PROVENANCE }),
      store.complete({ hash: spec.hash, leaseId: alive!.leaseId, result: { ...RESULT, diverged: true }, provenance: PROVENANCE }),
    ]);
    expect([a, b].filter((row) => row !== null)).toHaveLength(1); // accepted once
    expect(await store.complete({ hash: spec.hash, leaseId: dead!.leaseId, result: RESULT, provenance: PROVENANCE })).toBeNull();
    expect((await store.get(spec.hash))!.attempts).toBe(1);
  });

  it("closes the proxied connections when the pool ends: nothing leaks on the server", async () => {
    const count = async () =>
      rowsOf<{ n: number }>(await handle.db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`))[0]!.n;
    const { createNeonDb } = await import("../../src/store/index.js");
    const ws = (await import("ws")).default;
    const before = await count();
    const extra = createNeonDb(handle.url, { wsProxy: handle.proxy.address, webSocketConstructor: ws });
    await Promise.all(Array.from({ length: 5 }, () => extra.db.execute(sql`select pg_sleep(0.05)`)));
    expect(await count()).toBe(before + 5);
    const proxiedBefore = handle.proxy.openConnections();
    await extra.close();
    for (let i = 0; i < 50 && ((await count()) > before || handle.proxy.openConnections() > proxiedBefore - 5); i++) await sleep(50);
    expect(await count()).toBe(before);
    expect(handle.proxy.openConnections()).toBe(proxiedBefore - 5); // both sides of each pair closed
  });
});
