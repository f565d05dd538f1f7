import type { RunnerEvent } from "./runner.js";

/**
 * Which runner events go to a log without a terminal (docs/runner.md, Configuration): every event
 * except `progress`; for an image job, one `progress` per epoch (per level and epoch: an epoch is
 * long, and a trainer may report more often); for a synthetic job, its first `progress` and then at
 * most one every `everySeconds` (0: all of them). A synthetic training reports every step, so
 * unthrottled a 100-run sweep wrote some 20 MB of progress lines to a service's journal.
 */
export function createProgressFilter(everySeconds: number, now: () => number = Date.now): (event: RunnerEvent) => boolean {
  const lastLogged = new Map<string, number>();
  const lastEpoch = new Map<string, string>();
  return (event) => {
    if (!event.hash) return true;
    if (event.event !== "progress") {
      if (event.event === "completed" || event.event === "failed" || event.event === "lost") {
        lastLogged.delete(event.hash);
        lastEpoch.delete(event.hash);
      }
      return true;
    }
    if (event.epoch !== undefined) {
      const epoch = `${event.level ?? 0}:${event.epoch}`;
      if (lastEpoch.get(event.hash) === epoch) return false;
      lastEpoch.set(event.hash, epoch);
      return true;
    }
    const time = now();
    const last = lastLogged.get(event.hash);
    if (last !== undefined && time - last < everySeconds * 1000) return false;
    lastLogged.set(event.hash, time);
    return true;
  };
}
