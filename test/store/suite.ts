import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError, identifyRunSpec, parseRunSpec, runErrorSchema, type RunResult } from "../../src/core/index.js";
import { checkSchemaVersion, createRunStore, createSweepStore, type DbHandle, type JobRequirements, type Provenance } from "../../src/store/index.js";
import { impPartial } from "../fixtures/image-protocol.js";
import { truncateAll } from "./databases.js";

export const RESULT: RunResult = {
  final: { trainLoss: 0.01, trainError: 0, testLoss: 0.4, testError: 0.1 },
  curve: [{ step: 0, trainLoss: 0.7, trainError: 0.5, testLoss: 0.7, testError: 0.5, signalAlignment: [0.1, 0.2], noiseAlignment: 1 }],
  diagnostics: { signalNeurons: [3, 4], realizedDensity: 0.5, theory: { mildDensityScale: 0.04, overPruningDensityScale: 0.001, conditionRatio: 0.02, expectedSignalNeurons: 75 } },
  diverged: false,
};
/** What an MNIST MLP job needs of a runner. */
export const MLP_MNIST: JobRequirements = { kind: "image", arch: "mlp-1024-1024", dataset: "mnist" };

/** A partial IMP result: level 0 finished, and the mask level 1 trains under. */
export const PARTIAL = impPartial(0);

export const PROVENANCE: Provenance = {
  engine: { tfjs: "4.22.0", backend: "wasm", simd: true, threads: 1 },
  executor: "runner",
  runnerId: "r1",
  trainMs: 10,
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:01.000Z",
};

/** What a synthetic job needs of a runner. */
export const SYNTHETIC: JobRequirements = { kind: "synthetic", arch: null, dataset: null };

/** Distinct valid hashes and canonical specs (with what they need of a runner), by seed. */
export async function specOf(seed: number) {
  const identity = await identifyRunSpec(parseRunSpec({ seed }));
  return { hash: identity.hash, spec: JSON.parse(identity.canonical), requirements: SYNTHETIC };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behavioural suite every driver must pass (one Db type, one test suite: docs/architecture.md, House rules).
 * `open` gives a migrated database of its own to this suite; rows are truncated before each test.
 */
export function defineStoreSuite(label: string, open: () => Promise<DbHandle>) {
  describe(`stores on ${label}`, () => {
    let handle: DbHandle;
    const runsStore = () => createRunStore(handle.db);
    const sweepsStore = () => createSweepStore(handle.db);
    const submit = async (seed: number, placement: "edge" | "runner" = "runner", queuedCap = 1000) =>
      runsStore().submit({ ...(await specOf(seed)), placement, queuedCap });

    beforeAll(async () => {
      handle = await open();
    });
    afterAll(async () => {
      await handle?.close();
    });
    beforeEach(async () => {
      await truncateAll(handle);
    });

    it("has the schema this code expects", async () => {
      await expect(checkSchemaVersion(handle.db)).resolves.toBeUndefined();
    });

    it("submits a run once: a known hash returns the existing run", async () => {
      const first = await submit(1);
      const again = await submit(1, "edge");
      expect(first.created).toBe(true);
      expect(again.created).toBe(false);
      expect(again.run).toMatchObject({ hash: first.run.hash, status: "queued", placement: "runner", attempts: 0 });
      expect(await runsStore().countByStatus("queued")).toBe(1);
    });

    it("refuses new runs past the queued cap but still returns known ones", async () => {
      await submit(1, "runner", 2);
      await submit(2, "runner", 2);
      const refused = submit(3, "runner", 2);
      await expect(refused).rejects.toMatchObject({ code: "too_many_queued" });
      expect((await submit(1, "runner", 2)).created).toBe(false);
      expect(await runsStore().countByStatus("queued")).toBe(2);
    });

    it("claims by placement, oldest first, with a new lease id each time", async () => {
      for (const seed of [1, 2, 3]) await submit(seed, seed === 2 ? "edge" : "runner");
      const store = runsStore();
      const leases = await store.claim({ placement: "runner", holder: "r1", max: 5, leaseMs: 60_000 });
      expect(leases.map((l) => l.hash)).toEqual([(await specOf(1)).hash, (await specOf(3)).hash]);
      expect(new Set(leases.map((l) => l.leaseId)).size).toBe(2);
      expect(leases[0]!.leaseUntil.getTime()).toBeGreaterThan(Date.now() + 30_000);
      expect(await store.claim({ placement: "runner", holder: "r1", max: 5, leaseMs: 60_000 })).toEqual([]);
      const [edge] = await store.claim({ placement: "edge", holder: "w", max: 1, leaseMs: 60_000 });
      expect(edge!.spec).toEqual((await specOf(2)).spec);
    });

    it("heartbeats, completes and fails only with the current lease, once", async () => {
      await submit(1);
      const store = runsStore();
      const [lease] = await store.claim({ placement: "runner", holder: "r1", max: 1, leaseMs: 60_000 });
      const { hash, leaseId } = lease!;
      const stranger = "00000000-0000-4000-8000-000000000000";
      expect(await store.heartbeat({ hash, leaseId: stranger, leaseMs: 60_000 })).toBeNull();
      expect((await store.heartbeat({ hash, leaseId, leaseMs: 60_000, progress: { step: 7 } }))!.progress).toEqual({ step: 7 });
      // progress is JSON: steps beyond 2³¹ (the old int4 column's bound) are stored exactly
      expect((await store.heartbeat({ hash, leaseId, leaseMs: 60_000, progress: { step: 2 ** 40 + 1 } }))!.progress).toEqual({ step: 2 ** 40 + 1 });
      // a heartbeat without progress keeps the last one
      expect((await store.heartbeat({ hash, leaseId, leaseMs: 60_000 }))!.progress).toEqual({ step: 2 ** 40 + 1 });
      expect(await store.complete({ hash, leaseId: stranger, result: RESULT, provenance: PROVENANCE })).toBeNull();
      const done = await store.complete({ hash, leaseId, result: RESULT, provenance: PROVENANCE });
      expect(done).toMatchObject({ status: "succeeded", result: RESULT, provenance: PROVENANCE, leaseId: null });
      expect(await store.complete({ hash, leaseId, result: { ...RESULT, diverged: true }, provenance: PROVENANCE })).toBeNull();
      expect(await store.fail({ hash, leaseId, error: { code: "training_failed", message: "late", retryable: false }, maxAttempts: 3 })).toBeNull();
      expect(await store.cancel(hash)).toBeNull();
      expect(await store.retry(hash)).toBeNull();
      expect((await store.get(hash))!.result).toEqual(RESULT);
    });

    it("returns an expired lease to the queue, refuses the old lease id, and fails after the last attempt", async () => {
      await submit(1);
      const store = runsStore();
      const [first] = await store.claim({ placement: "runner", holder: "r1", max: 1, leaseMs: 50 });
      await sleep(120);
      expect(await store.expireLeases(2)).toEqual([{ hash: first!.hash, status: "queued", placement: "runner" }]);
      expect((await store.get(first!.hash))!.attempts).toBe(1);
      const [second] = await store.claim({ placement: "runner", holder: "r1", max: 1, leaseMs: 50 });
      expect(second!.leaseId).not.toBe(first!.leaseId);
      // the same runner's stale lease id is refused and changes nothing
      expect(await store.complete({ hash: first!.hash, leaseId: first!.leaseId, result: RESULT, provenance: PROVENANCE })).toBeNull();
      expect((await store.get(first!.hash))!.status).toBe("running");
      await sleep(120);
      const [expired] = await store.expireLeases(2);
      expect(expired).toMatchObject({ status: "failed" });
      const failed = await store.get(first!.hash);
      expect(failed).toMatchObject({ status: "failed", attempts: 2, leaseId: null });
      expect(failed!.error).toMatchObject({ code: "lease_expired", retryable: true });
      // the error the SQL writes is one of the vocabulary's (src/core/errors.ts)
      expect(runErrorSchema.safeParse(failed!.error).success).toBe(true);
      expect(await store.complete({ hash: first!.hash, leaseId: second!.leaseId, result: RESULT, provenance: PROVENANCE })).toBeNull();
      const retried = await store.retry(first!.hash);
      expect(retried).toMatchObject({ status: "queued", attempts: 0, error: null });
    });

    it("cancels queued and running runs; a canceled job's lease is gone", async () => {
      await submit(1);
      await submit(2);
      const store = runsStore();
      const [lease] = await store.claim({ placement: "runner", holder: "r1", max: 1, leaseMs: 60_000 });
      const canceled = await store.cancel(lease!.hash);
      expect(canceled).toMatchObject({ status: "canceled", error: { code: "canceled" } });
      expect(runErrorSchema.safeParse(canceled!.error).success).toBe(true);
      expect(await store.heartbeat({ hash: lease!.hash, leaseId: lease!.leaseId, leaseMs: 1000 })).toBeNull();
      expect((await store.cancel((await specOf(2)).hash))!.status).toBe("canceled");
      expect(await store.cancel((await specOf(2)).hash)).toBeNull();
      expect((await store.retry(lease!.hash))!.status).toBe("queued");
    });

    it("lists newest first with a cursor and a status filter", async () => {
      for (const seed of [1, 2, 3, 4, 5]) await submit(seed);
      const store = runsStore();
      await store.claim({ placement: "runner", holder: "r", max: 2, leaseMs: 60_000 });
      const first = await store.list({ limit: 2 });
      expect(first.items.map((r) => r.hash)).toEqual([(await specOf(5)).hash, (await specOf(4)).hash]);
      const second = await store.list({ limit: 2, cursor: first.nextCursor! });
      const third = await store.list({ limit: 2, cursor: second.nextCursor! });
      expect(third.items).toHaveLength(1);
      expect(third.nextCursor).toBeNull();
      expect((await store.list({ limit: 10, status: "running" })).items.map((r) => r.hash).sort()).toEqual([(await specOf(1)).hash, (await specOf(2)).hash].sort());
      await expect(store.list({ limit: 2, cursor: "nonsense" })).rejects.toBeInstanceOf(AppError);
    });

    it("submits a sweep with its members at once, reusing known runs, idempotently", async () => {
      await submit(2);
      const members = await Promise.all([1, 2, 3].map(async (seed, position) => ({ ...(await specOf(seed)), position, placement: "runner" as const, pointIndex: position, repeat: 0 })));
      const sweepHash = "a".repeat(64);
      const store = sweepsStore();
      const first = await store.submit({ hash: sweepHash, spec: { grid: {} }, members, queuedCap: 100 });
      expect(first).toMatchObject({ created: true, createdRuns: 2 });
      const again = await store.submit({ hash: sweepHash, spec: { grid: {} }, members, queuedCap: 100 });
      expect(again).toMatchObject({ created: false, createdRuns: 0 });
      expect((await store.members(sweepHash)).map((m) => [m.position, m.runHash, m.status])).toEqual(members.map((m) => [m.position, m.hash, "queued"]));
      expect(await store.statusCounts(sweepHash)).toEqual({ queued: 3, running: 0, succeeded: 0, failed: 0, canceled: 0 });
      const [lease] = await runsStore().claim({ placement: "runner", holder: "r", max: 1, leaseMs: 60_000 });
      await runsStore().complete({ hash: lease!.hash, leaseId: lease!.leaseId, result: RESULT, provenance: PROVENANCE });
      expect((await store.statusCounts(sweepHash)).succeeded).toBe(1);
      expect((await store.members(sweepHash)).find((m) => m.runHash === lease!.hash)!.result).toEqual(RESULT);
      expect((await store.list({ limit: 5 })).items.map((s) => s.hash)).toEqual([sweepHash]);
    });

    it("refuses a sweep past the queued cap and writes nothing of it", async () => {
      const members = await Promise.all([1, 2, 3].map(async (seed, position) => ({ ...(await specOf(seed)), position, placement: "runner" as const, pointIndex: 0, repeat: position })));
      await expect(sweepsStore().submit({ hash: "b".repeat(64), spec: {}, members, queuedCap: 2 })).rejects.toMatchObject({ code: "too_many_queued" });
      expect(await sweepsStore().get("b".repeat(64))).toBeNull();
      expect(await runsStore().countByStatus("queued")).toBe(0);
    });

    it("leases a runner only the jobs whose kind, architecture and data set it declared", async () => {
      const store = runsStore();
      const synthetic = await submit(1);
      const mlp = await runsStore().submit({ ...(await specOf(2)), placement: "runner", requirements: MLP_MNIST, queuedCap: 100 });
      const vgg = await runsStore().submit({ ...(await specOf(3)), placement: "runner", requirements: { kind: "image", arch: "vgg16", dataset: "cifar10" }, queuedCap: 100 });
      expect([mlp.run, vgg.run].map((run) => [run.kind, run.arch, run.dataset])).toEqual([
        ["image", "mlp-1024-1024", "mnist"],
        ["image", "vgg16", "cifar10"],
      ]);
      expect(synthetic.run).toMatchObject({ kind: "synthetic", arch: null, dataset: null });
      const claim = (capabilities: { kinds: string[]; archs: string[]; datasets: string[] }) => store.claim({ placement: "runner", holder: "r", max: 5, leaseMs: 60_000, capabilities });
      // the architecture without its data set, or the data set without the kind, is not enough
      expect(await claim({ kinds: ["image"], archs: ["mlp-1024-1024"], datasets: [] })).toEqual([]);
      expect(await claim({ kinds: [], archs: ["mlp-1024-1024", "vgg16"], datasets: ["mnist", "cifar10"] })).toEqual([]);
      // a synthetic-only runner gets the synthetic job and nothing else
      expect((await claim({ kinds: ["synthetic"], archs: [], datasets: [] })).map((l) => l.hash)).toEqual([synthetic.run.hash]);
      const image = await claim({ kinds: ["synthetic", "image"], archs: ["mlp-1024-1024"], datasets: ["mnist", "cifar10"] });
      expect(image.map((l) => l.hash)).toEqual([mlp.run.hash]);
      expect((await store.get(vgg.run.hash))!.status).toBe("queued");
      // a claim without capabilities (the edge consumer's) takes any job of its placement
      expect((await store.claim({ placement: "runner", holder: "any", max: 5, leaseMs: 60_000 })).map((l) => l.hash)).toEqual([vgg.run.hash]);
    });

    it("gives concurrent claimers of different capabilities each job once, and only jobs they can train", async () => {
      const store = runsStore();
      const hashes: Record<string, string> = {};
      for (let seed = 0; seed < 40; seed++) {
        const image = seed % 2 === 1;
        const { run } = await store.submit({ ...(await specOf(100 + seed)), placement: "runner", requirements: image ? MLP_MNIST : SYNTHETIC, queuedCap: 100 });
        hashes[run.hash] = image ? "image" : "synthetic";
      }
      const claimer = async (id: number) => {
        const capabilities = id % 2 === 0 ? { kinds: ["synthetic"], archs: [], datasets: [] } : { kinds: ["synthetic", "image"], archs: ["mlp-1024-1024"], datasets: ["mnist"] };
        const mine: string[] = [];
        for (;;) {
          const batch = await store.claim({ placement: "runner", holder: `c${id}`, max: 2, leaseMs: 60_000, capabilities });
          if (batch.length === 0) return { syntheticOnly: id % 2 === 0, mine };
          mine.push(...batch.map((lease) => lease.hash));
        }
      };
      const outcomes = await Promise.all(Array.from({ length: 6 }, (_, id) => claimer(id)));
      const claimed = outcomes.flatMap((outcome) => outcome.mine);
      expect(claimed).toHaveLength(40);
      expect(new Set(claimed).size).toBe(40);
      for (const outcome of outcomes.filter((o) => o.syntheticOnly)) expect(outcome.mine.map((hash) => hashes[hash])).not.toContain("image");
      expect(await store.countByStatus("queued")).toBe(0);
    });

    it("requeues a retryable failure while attempts remain, then fails it; a non-retryable failure is final", async () => {
      await submit(1);
      await submit(2);
      const store = runsStore();
      const { hash } = await specOf(1);
      const error = { code: "training_failed" as const, message: "the training thread crashed", retryable: true };
      for (let attempt = 1; attempt <= 2; attempt++) {
        const [lease] = await store.claim({ placement: "runner", holder: "r1", max: 1, leaseMs: 60_000 });
        expect(lease).toMatchObject({ hash, attempts: attempt - 1 });
        const requeued = await store.fail({ hash, leaseId: lease!.leaseId, error, maxAttempts: 3 });
        // back in the queue: one more attempt counted, the lease gone, the last error kept for the record
        expect(requeued).toMatchObject({ status: "queued", attempts: attempt, leaseId: null, leaseUntil: null, holder: null, finishedAt: null, error });
        expect(await store.heartbeat({ hash, leaseId: lease!.leaseId, leaseMs: 1000 })).toBeNull();
      }
      const [last] = await store.claim({ placement: "runner", holder: "r1", max: 1, leaseMs: 60_000 });
      expect(await store.fail({ hash, leaseId: last!.leaseId, error, maxAttempts: 3 })).toMatchObject({ status: "failed", attempts: 3, error });
      expect((await store.get(hash))!.finishedAt).not.toBeNull();
      // a failure the runner says is not retryable is final at the first attempt
      const [other] = await store.claim({ placement: "runner", holder: "r1", max: 1, leaseMs: 60_000 });
      expect(await store.fail({ hash: other!.hash, leaseId: other!.leaseId, error: { ...error, retryable: false }, maxAttempts: 3 })).toMatchObject({ status: "failed", attempts: 1 });
      expect(await store.retry(hash)).toMatchObject({ status: "queued", attempts: 0, error: null });
    });

    it("keeps an IMP job's partial result across leases and retries, hands it to the next lease, and drops it on success", async () => {
      const store = runsStore();
      const { run } = await store.submit({ ...(await specOf(1)), placement: "runner", requirements: MLP_MNIST, queuedCap: 100 });
      const { hash } = run;
      const claim = async () => (await store.claim({ placement: "runner", holder: "r", max: 1, leaseMs: 60_000, capabilities: { kinds: ["image"], archs: ["mlp-1024-1024"], datasets: ["mnist"] } }))[0]!;
      const first = await claim();
      expect(first.partial).toBeNull();
      const stranger = "00000000-0000-4000-8000-000000000000";
      expect(await store.savePartial({ hash, leaseId: stranger, partial: PARTIAL })).toBeNull();
      expect((await store.savePartial({ hash, leaseId: first.leaseId, partial: PARTIAL }))!.partial).toEqual(PARTIAL);
      await store.fail({ hash, leaseId: first.leaseId, error: { code: "training_failed", message: "crashed", retryable: true }, maxAttempts: 3 });
      const second = await claim();
      expect(second.partial).toEqual(PARTIAL);
      await store.fail({ hash, leaseId: second.leaseId, error: { code: "training_failed", message: "crashed", retryable: false }, maxAttempts: 3 });
      expect((await store.retry(hash))!.partial).toEqual(PARTIAL);
      const third = await claim();
      expect(third.partial).toEqual(PARTIAL);
      expect(await store.complete({ hash, leaseId: third.leaseId, result: RESULT, provenance: PROVENANCE })).toMatchObject({ status: "succeeded", partial: null });
    });

    it("records what each runner declared, and reads those seen lately (an old runner's row as synthetic-only)", async () => {
      const store = runsStore();
      expect(await store.runnersSeen(300)).toEqual({ last: null, recent: [] });
      await store.runnerSeen("a", { backends: ["wasm"], kinds: ["synthetic", "image"], archs: ["mlp-1024-1024"], datasets: ["mnist"] });
      await handle.db.execute(sql`insert into runners (id, backends) values ('b', '["tfjs-node"]'::jsonb)`);
      await handle.db.execute(sql`insert into runners (id, last_seen_at, backends) values ('c', now() - interval '1 hour', '["wasm"]'::jsonb)`);
      const seen = await store.runnersSeen(300);
      expect(seen.last!.secondsAgo).toBeLessThan(60);
      expect(seen.recent).toEqual([
        { backends: ["wasm"], kinds: ["synthetic", "image"], archs: ["mlp-1024-1024"], datasets: ["mnist"] },
        { backends: ["tfjs-node"], kinds: ["synthetic"], archs: [], datasets: [] },
      ]);
      await store.runnerSeen("a", { backends: ["wasm"], kinds: ["synthetic"], archs: [], datasets: [] });
      expect((await store.runnersSeen(300)).recent[0]).toEqual({ backends: ["wasm"], kinds: ["synthetic"], archs: [], datasets: [] });
    });

    it("lets the database refuse malformed hashes, unknown statuses and invalid transitions", async () => {
      const { db } = handle;
      await expect(db.execute(sql`insert into runs (hash, spec, placement) values ('not-a-hash', '{}', 'edge')`)).rejects.toThrow();
      await expect(db.execute(sql`insert into runs (hash, spec, placement) values (${"c".repeat(64)}, '{}', 'moon')`)).rejects.toThrow();
      await submit(1);
      const { hash } = await specOf(1);
      await expect(db.execute(sql`update runs set status = 'succeeded', result = '{}' where hash = ${hash}`)).rejects.toThrow(); // queued → succeeded skips running
      await expect(db.execute(sql`update runs set status = 'running' where hash = ${hash}`)).rejects.toThrow(); // running needs a lease
      await expect(db.execute(sql`update runs set status = 'bogus' where hash = ${hash}`)).rejects.toThrow();
      const [lease] = await runsStore().claim({ placement: "runner", holder: "r", max: 1, leaseMs: 60_000 });
      await runsStore().complete({ hash, leaseId: lease!.leaseId, result: RESULT, provenance: PROVENANCE });
      await expect(db.execute(sql`update runs set status = 'queued', result = null where hash = ${hash}`)).rejects.toThrow(); // succeeded never changes
      await expect(db.execute(sql`update runs set result = '{"forged": true}' where hash = ${hash}`)).rejects.toThrow();
      expect((await runsStore().get(hash))!.result).toEqual(RESULT);
    });
  });
}
