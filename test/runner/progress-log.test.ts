import { describe, expect, it } from "vitest";
import { createProgressFilter } from "../../src/runner/progress-log.js";
import type { RunnerEvent } from "../../src/runner/runner.js";

describe("the runner's progress filter for logs without a terminal", () => {
  const progress = (hash: string, step: number): RunnerEvent => ({ event: "progress", hash, step, steps: 1000 });

  it("keeps each job's first progress and then at most one per interval, per job", () => {
    let now = 0;
    const keep = createProgressFilter(10, () => now);
    const kept: string[] = [];
    for (let step = 1; step <= 1000; step++) {
      now = step * 50; // a step every 50 ms: 50 s of training
      for (const hash of ["a", "b"]) if (keep(progress(hash, step))) kept.push(`${hash}${step}`);
    }
    // the first step, then one per 10 s (200 steps) for each job
    expect(kept).toEqual(["a1", "b1", "a201", "b201", "a401", "b401", "a601", "b601", "a801", "b801"]);
  });

  it("always keeps the other events, and starts a job afresh once it is over", () => {
    let now = 0;
    const keep = createProgressFilter(10, () => now);
    const events: RunnerEvent[] = [{ event: "leased", hash: "a" }, progress("a", 1), progress("a", 2), { event: "completed", hash: "a" }, { event: "idle", message: "x" }, { event: "stopping" }, { event: "stopped" }];
    expect(events.filter(keep).map((e) => e.event)).toEqual(["leased", "progress", "completed", "idle", "stopping", "stopped"]);
    now = 1; // leased again (retried) within the interval: its first progress is written again
    expect([{ event: "leased", hash: "a" } as RunnerEvent, progress("a", 1), { event: "failed", hash: "a" } as RunnerEvent].filter(keep)).toHaveLength(3);
  });

  it("keeps every progress event with an interval of 0", () => {
    const keep = createProgressFilter(0, () => 0);
    expect([1, 2, 3].map((step) => keep(progress("a", step)))).toEqual([true, true, true]);
  });

  it("keeps one line per epoch of an image job, whatever the interval, and none for repeats of the same epoch", () => {
    const keep = createProgressFilter(3600, () => 0);
    const epoch = (hash: string, level: number, n: number): RunnerEvent => ({ event: "progress", hash, epoch: n, epochs: 3, level, levels: 1, loss: 0.1 });
    const events = [epoch("a", 0, 1), epoch("a", 0, 1), epoch("a", 0, 2), epoch("b", 0, 1), epoch("a", 0, 3), epoch("a", 1, 1), epoch("a", 1, 1), epoch("a", 1, 2)];
    expect(events.filter(keep).map((e) => `${e.hash}${e.level}:${e.epoch}`)).toEqual(["a0:1", "a0:2", "b0:1", "a0:3", "a1:1", "a1:2"]);
    // leased again after a failure: its first epoch is written again
    expect(keep({ event: "failed", hash: "a" })).toBe(true);
    expect(keep(epoch("a", 1, 2))).toBe(true);
  });
});
