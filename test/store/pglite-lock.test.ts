import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../src/core/index.js";
import { createRunStore } from "../../src/store/index.js";
import { createPgliteDb } from "../../src/store/node-clients.js";

describe("PGlite data directory lock", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it("refuses a second process with a clear error and loses nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prunelab-pglite-"));
    dirs.push(dir);
    const hash = "d".repeat(64);
    const holder = spawn(process.execPath, ["--import", "tsx", "test/fixtures/hold-pglite.ts", dir, hash], { stdio: ["pipe", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
      holder.on("exit", (code) => reject(new Error(`holder exited early with ${code}`)));
    });

    const second = createPgliteDb(dir);
    await expect(second).rejects.toBeInstanceOf(AppError);
    await expect(second).rejects.toThrow(new RegExp(`in use by process ${holder.pid}`));

    holder.stdin.end();
    await new Promise((resolve) => holder.on("exit", resolve));
    const reopened = await createPgliteDb(dir);
    try {
      expect((await createRunStore(reopened.db).get(hash))!.status).toBe("queued");
    } finally {
      await reopened.close();
    }
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prunelab-pglite-"));
    dirs.push(dir);
    writeFileSync(join(dir, "prunelab.lock"), "999999999");
    const handle = await createPgliteDb(dir);
    await handle.close();
  });
});
