import type { Stat } from "./aggregate.js";

/** Text for people, shared by the pages and the CLI so both print the same numbers. */
export const fixed = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined ? "–" : value.toFixed(digits));

/** `0.414 ± 0.037`; the mean alone when there is one run, `–` when there is none. */
export const meanStd = (stat: Stat): string => (stat.mean === null ? "–" : stat.std === null ? fixed(stat.mean) : `${fixed(stat.mean)} ± ${fixed(stat.std)}`);
