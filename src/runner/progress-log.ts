import type { RunnerEvent } from "./runner.js";

/**
 * Which runner events go to a log without a terminal (docs/runner.md, Configuration): every event
 * except `progress`, and for each job its first `progress` and then at most one every
 * `everySeconds` (0: all of them). A training reports every step, so unthrottled a 100-run sweep
 * wrote some 20 MB of progress lines to a service's journal.
 */
export function createProgressFilter(everySeconds: number, now: () => number = Date.now): (event: RunnerEvent) => boolean {
  const lastLogged = new Map<string, number>();
  return (event) => {
    if (!event.hash) return true;
    if (event.event !== "progress") {
      if (event.event === "completed" || event.event === "failed" || event.event === "lost") lastLogged.delete(event.hash);
      return true;
    }
    const time = now();
    const last = lastLogged.get(event.hash);
    if (last !== undefined && time - last < everySeconds * 1000) return false;
    lastLogged.set(event.hash, time);
    return true;
  };
}
