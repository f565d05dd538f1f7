import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "../../scripts/free-port.js";

/** Finds initdb/pg_ctl on PATH or in Debian's versioned directories. */
function postgresBin(name: string): string {
  const onPath = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (onPath) return onPath;
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const path = join(base, version, "bin", name);
    if (existsSync(path)) return path;
  }
  throw new Error(`PostgreSQL's ${name} was not found; install PostgreSQL (Debian: apt-get install postgresql)`);
}

/**
 * A throwaway PostgreSQL cluster on a random loopback port (initdb + pg_ctl); `stop` removes it.
 * PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user that
 * Debian's package creates.
 */
export async function startPostgresCluster(): Promise<{ url: string; stop(): void; pause(): void; resume(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "prunelab-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (bin: string, args: string[]) =>
    asRoot ? execFileSync("runuser", ["-u", "postgres", "--", postgresBin(bin), ...args], { stdio: "pipe" }) : execFileSync(postgresBin(bin), args, { stdio: "pipe" });
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const start = () => run("pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, "start"]);
  start();
  return {
    /** Stops the server, keeping its data: the database is down until `resume`. */
    pause() {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    },
    resume: start,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Global setup of the Node test project: one cluster for the run; test files make their own databases in it. */
export default async function setup(project: TestProject) {
  const cluster = await startPostgresCluster();
  project.provide("postgresUrl", cluster.url);
  return () => cluster.stop();
}
