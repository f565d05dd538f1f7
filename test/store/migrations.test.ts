import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { afterAll, describe, expect, it } from "vitest";
import { checkSchemaVersion, createRunStore, rowsOf, type DbHandle } from "../../src/store/index.js";
import { MIGRATIONS_FOLDER } from "../../src/store/migrate.js";
import { createPgDb, createPgliteDb } from "../../src/store/node-clients.js";
import { createDatabase } from "./databases.js";

/** The migrations folder as it was before migration `index` (its journal cut there), in a temporary directory. */
function migrationsBefore(index: number): { folder: string; remove(): void } {
  const folder = mkdtempSync(join(tmpdir(), "prunelab-migrations-"));
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, index);
  writeFileSync(journalPath, JSON.stringify(journal));
  return { folder, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

const hash = (c: string) => c.repeat(64);
const LEASE = "00000000-0000-4000-8000-000000000001";

/**
 * Migration 0003 (image jobs) on a database that already holds runs: `progress_step` values are
 * carried over as `{"step": n}` (a succeeded run's too, though the transition trigger refuses any
 * change to one), runs stored before kinds existed get their kind, architecture and data set from
 * their spec, and the trigger guards again afterwards.
 */
describe.each([
  ["PGlite", async () => ({ handle: (await createPgliteDb()) as DbHandle, drop: async () => {} }), migratePglite],
  [
    "PostgreSQL",
    async () => {
      const database = await createDatabase();
      return { handle: createPgDb(database.url, 2), drop: database.drop };
    },
    migratePg,
  ],
] as const)("migration 0003 on %s", (_label, open, migrate) => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it("carries progress_step over as JSON and fills kind, arch and dataset from the spec", async () => {
    const { handle, drop } = await open();
    cleanup.push(drop, () => handle.close());
    const before = migrationsBefore(3);
    cleanup.push(before.remove);
    await migrate(handle.db as never, { migrationsFolder: before.folder });
    await expect(checkSchemaVersion(handle.db)).rejects.toMatchObject({ code: "schema_behind" });

    const { db } = handle;
    await db.execute(sql`insert into runs (hash, spec, placement) values (${hash("a")}, '{"version":1}', 'edge')`);
    await db.execute(sql`
      insert into runs (hash, spec, placement, status, lease_id, lease_until, progress_step)
      values (${hash("b")}, '{"version":1,"seed":2}', 'runner', 'running', ${LEASE}, now() + interval '1 minute', 2147483647)`);
    await db.execute(sql`
      insert into runs (hash, spec, placement, status, result, progress_step)
      values (${hash("c")}, '{"version":1,"seed":3}', 'runner', 'succeeded', '{"final":{}}', 1000)`);
    await db.execute(sql`insert into runs (hash, spec, placement) values (${hash("d")}, '{"version":1,"kind":"image"}', 'runner')`);
    await db.execute(sql`
      insert into runs (hash, spec, placement, status, result)
      values (${hash("e")}, '{"version":1,"kind":"image","model":{"arch":"vgg16"}}', 'runner', 'succeeded', '{"final":{}}')`);

    await migrate(handle.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    await expect(checkSchemaVersion(handle.db)).resolves.toBeUndefined();

    const rows = rowsOf<{ hash: string; progress: unknown; kind: string; arch: string | null; dataset: string | null; partial: unknown }>(
      await db.execute(sql`select hash, progress, kind, arch, dataset, partial from runs order by hash`),
    );
    expect(rows.map(({ hash: h, ...rest }) => [h[0], rest])).toEqual([
      ["a", { progress: null, kind: "synthetic", arch: null, dataset: null, partial: null }],
      ["b", { progress: { step: 2147483647 }, kind: "synthetic", arch: null, dataset: null, partial: null }],
      ["c", { progress: { step: 1000 }, kind: "synthetic", arch: null, dataset: null, partial: null }],
      ["d", { progress: null, kind: "image", arch: "mlp-1024-1024", dataset: "mnist", partial: null }],
      ["e", { progress: null, kind: "image", arch: "vgg16", dataset: "cifar10", partial: null }],
    ]);
    // the trigger guards again: a succeeded run never changes
    await expect(db.execute(sql`update runs set progress = null where hash = ${hash("c")}`)).rejects.toThrow();
    // the running job carries on under its lease with the new column
    const beat = await createRunStore(db).heartbeat({ hash: hash("b"), leaseId: LEASE, leaseMs: 60_000, progress: { step: 2 ** 31 } });
    expect(beat!.progress).toEqual({ step: 2 ** 31 });
  });
});
