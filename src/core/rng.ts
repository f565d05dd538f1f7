import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/**
 * Independent random streams of a run, derived from its one seed. Each stream is xoroshiro128+
 * seeded with the spec's seed and jumped (2^64 steps per jump) `index + 1` times, so streams never
 * overlap. Separate streams keep quantities coupled across sweeps: the test set does not change
 * when `trainSize` does, and the initial weights do not change when `density` does.
 * A purpose with many streams (the image kind's shuffles, one per IMP level) numbers them: stream
 * `index` of substream s is jumped `index + 1 + s · STREAMS.length` times, so substream 0 is the
 * plain stream and no two ever overlap. Names are only ever appended: an index never changes.
 */
export const STREAMS = ["trainData", "trainNoise", "testData", "testNoise", "init", "mask", "shuffle"] as const;
export type StreamName = (typeof STREAMS)[number];

export interface Random {
  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number;
  /** Uniform integer on [0, n). */
  int(n: number): number;
  /** Standard normal N(0, 1) by Box–Muller, both variates used. */
  normal(): number;
}

type Generator = ReturnType<typeof xoroshiro128plus>;

export function createStream(seed: number, name: StreamName, substream = 0): Random {
  if (!Number.isInteger(substream) || substream < 0) throw new RangeError(`a substream is a non-negative integer, not ${substream}`);
  const generator: Generator = xoroshiro128plus(seed);
  const jumps = STREAMS.indexOf(name) + 1 + substream * STREAMS.length;
  for (let jump = 0; jump < jumps; jump++) generator.jump();
  let spare: number | undefined;
  return {
    uniform: () => uniformFloat64(generator),
    int: (n) => uniformInt(generator, 0, n - 1),
    normal() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      const u1 = 1 - uniformFloat64(generator); // (0, 1]: log stays finite
      const u2 = uniformFloat64(generator);
      const radius = Math.sqrt(-2 * Math.log(u1));
      spare = radius * Math.sin(2 * Math.PI * u2);
      return radius * Math.cos(2 * Math.PI * u2);
    },
  };
}
