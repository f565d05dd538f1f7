import { describe, expect, it } from "vitest";
import {
  AppError,
  IMAGE_ARCHS,
  expandSweep,
  identifyRunSpec,
  imageCost,
  kindOf,
  parseRunSpec,
  parseSweepSpec,
  toCanonicalRunSpec,
  type ImageRunSpec,
} from "../../src/core/index.js";
import { decidePlacement } from "../../src/service/index.js";
import { GOLDEN_IMAGE_HASHES } from "../fixtures/golden.js";

const image = (input: object) => parseRunSpec({ kind: "image", ...input }) as ImageRunSpec;

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("the image kind's spec", () => {
  it("fills Table 1's MLP row as the defaults of mlp-1024-1024, the default arch", () => {
    expect(image({})).toEqual({
      version: 1,
      kind: "image",
      seed: 0,
      data: { dataset: "mnist", trainSize: 60000 },
      model: { arch: "mlp-1024-1024" },
      pruning: { method: "random", density: 1, distribution: "uniform" },
      training: { epochs: 120, batchSize: 128, learningRate: 0.1, momentum: 0, weightDecay: 0, milestones: [], gamma: 0.1, augment: false },
    });
  });

  it("fills the method's own defaults: IMP at rate 0.2, 7 levels, rewinding to initialization", () => {
    expect(image({ pruning: { method: "imp" } }).pruning).toEqual({ method: "imp", rate: 0.2, levels: 7, rewindStep: 0 });
    expect(image({ pruning: { sparsity: 0.8 } }).pruning).toEqual({ method: "random", density: 0.2, distribution: "uniform" });
  });

  it("omits from the canonical form what equals its architecture's and method's defaults, but always writes a non-default arch or method", async () => {
    expect(toCanonicalRunSpec(image({}))).toEqual({ version: 1, kind: "image" });
    expect(toCanonicalRunSpec(image({ pruning: { method: "imp", rate: 0.2, levels: 7 } }))).toEqual({ version: 1, kind: "image", pruning: { method: "imp" } });
    expect(toCanonicalRunSpec(image({ training: { epochs: 120, momentum: 0 }, data: { trainSize: 2000 } }))).toEqual({ version: 1, kind: "image", data: { trainSize: 2000 } });
    // the dense random mask and a default IMP trajectory are different experiments: different hashes
    const dense = await identifyRunSpec(image({}));
    const imp = await identifyRunSpec(image({ pruning: { method: "imp" } }));
    expect(dense.hash).not.toBe(imp.hash);
  });

  it.each(GOLDEN_IMAGE_HASHES)("gives $name its golden hash", async ({ input, canonical, hash }) => {
    const identity = await identifyRunSpec(parseRunSpec(input));
    if (canonical) expect(identity.canonical).toBe(canonical);
    expect(identity.hash).toBe(hash);
  });

  it.each([
    [{ data: { dataset: "cifar10" } }, "/data/dataset", "defined for mnist"],
    [{ model: { arch: "vgg16" }, data: { dataset: "mnist" }, training: { augment: false } }, "/data/dataset", "vgg16 is defined for cifar10, not mnist"],
    [{ model: { arch: "lenet" } }, "/model/arch", "Invalid option"],
    [{ data: { trainSize: 60001 } }, "/data/trainSize", "mnist has 60000 training images"],
    [{ training: { milestones: [50, 20] } }, "/training/milestones/1", "strictly increasing"],
    [{ training: { epochs: 10, milestones: [20] } }, "/training/milestones/0", "from 1 to epochs"],
    [{ training: { augment: true } }, "/training/augment", "CIFAR-10 only"],
    [{ training: { momentum: 1 } }, "/training/momentum", ""],
    [{ pruning: { method: "snip" } }, "/pruning/method", "one of random, imp"],
    [{ pruning: { density: 0.5, sparsity: 0.5 } }, "/pruning/sparsity", "not both"],
    [{ pruning: { method: "imp", density: 0.5 } }, "/pruning/density", "not a field of this variant"],
    [{ pruning: { method: "imp", levels: 31 } }, "/pruning/levels", ""],
    [{ pruning: { method: "imp", rate: 1 } }, "/pruning/rate", ""],
    [{ model: 5 }, "/model", "expected object"],
    [{ data: { trainSize: 1000 }, training: { epochs: 2 }, pruning: { method: "imp", rewindStep: 17 } }, "/pruning/rewindStep", "level 0 trains 16 optimizer steps"],
  ])("refuses %j at %s", (input, path, message) => {
    const error = refusal(() => image(input));
    expect(error.code).toBe("validation_failed");
    const field = error.errors!.find((e) => e.path === path);
    expect(field, JSON.stringify(error.errors)).toBeDefined();
    expect(field!.message).toContain(message);
    // nothing unrelated is reported: one bad field, one error
    expect(error.errors).toHaveLength(1);
  });

  it("costs a job by its trainings, epochs and data: one paper-fig3a IMP job is about 1.2·10¹⁵ multiply-adds", () => {
    const imp = imageCost(image({ pruning: { method: "imp", levels: 20 } }));
    expect(imp.trainings).toBe(21);
    expect(imp.totalMacs).toBeGreaterThan(1.1e15);
    expect(imp.totalMacs).toBeLessThan(1.3e15);
    expect(imp.curvePoints).toBe(21 * 121);
    const random = imageCost(image({ pruning: { density: 0.2 } }));
    expect(imp.totalMacs / random.totalMacs).toBeCloseTo(21, 6);
    const forward = IMAGE_ARCHS["mlp-1024-1024"].forwardMacs;
    expect(imageCost(image({ training: { epochs: 1 }, data: { trainSize: 100 } })).totalMacs).toBe(forward * (3 * 100 + 2 * (100 + 10000)));
  });

  it("trains only on runners: auto places it there and edge is refused with the field named", () => {
    const spec = image({ data: { trainSize: 10 }, training: { epochs: 1 } });
    expect(kindOf(spec).placements).toEqual(["runner"]);
    expect(decidePlacement(spec, "auto", 1e30)).toBe("runner");
    const error = refusal(() => decidePlacement(spec, "edge", 1e30));
    expect(error.status).toBe(422);
    expect(error.errors![0]!.path).toBe("/options/placement");
  });

  it("tells the runners what a job needs: its architecture on its data set", () => {
    expect(kindOf(image({})).requirements!(image({}))).toEqual({ arch: "mlp-1024-1024", dataset: "mnist" });
  });
});

describe("image sweeps", () => {
  const base = { kind: "image", data: { trainSize: 2000 }, training: { epochs: 10 } };

  it("vary whole pruning objects, so random masks and IMP share one sweep; each value replaces the base's pruning", () => {
    const sweep = parseSweepSpec({ base: { ...base, pruning: { density: 0.5, distribution: "erk" } }, grid: { pruning: [{ method: "imp", levels: 3 }, { method: "random", sparsity: 0.2 }] }, repeats: 2 });
    const members = expandSweep(sweep).map((m) => m.spec as ImageRunSpec);
    expect(members.map((m) => [m.pruning, m.seed])).toEqual([
      [{ method: "imp", rate: 0.2, levels: 3, rewindStep: 0 }, 0],
      [{ method: "imp", rate: 0.2, levels: 3, rewindStep: 0 }, 1],
      [{ method: "random", density: 0.8, distribution: "uniform" }, 0],
      [{ method: "random", density: 0.8, distribution: "uniform" }, 1],
    ]);
    expect(members.every((m) => m.data.trainSize === 2000 && m.training.epochs === 10)).toBe(true);
  });

  it("report an invalid pruning value at its path inside the grid, in the user's terms", () => {
    const error = refusal(() => parseSweepSpec({ base, grid: { pruning: [{ method: "random" }, { method: "imp", levels: 99 }] } }));
    expect(error.errors).toEqual([{ path: "/grid/pruning/1/levels", message: expect.stringContaining("30") }]);
  });

  it("refuse a number on a whole-section axis, an object on a field axis, and duplicates written in another key order", () => {
    expect(refusal(() => parseSweepSpec({ base, grid: { pruning: [0.5] } })).errors![0]!.path).toBe("/grid/pruning/0");
    expect(refusal(() => parseSweepSpec({ base, grid: { "pruning.density": [{ density: 0.5 }] } })).errors![0]!.path).toBe("/grid/pruning.density/0");
    const duplicate = refusal(() => parseSweepSpec({ base, grid: { pruning: [{ method: "imp", levels: 3 }, { levels: 3, method: "imp" }] } }));
    expect(duplicate.errors![0]).toEqual({ path: "/grid/pruning/1", message: expect.stringContaining("duplicate") });
  });

  it("refuse varying the architecture or the data set: they change other fields' defaults", () => {
    for (const key of ["model.arch", "data.dataset"]) {
      const error = refusal(() => parseSweepSpec({ base, grid: { [key]: ["mlp-1024-1024"] } }));
      expect(error.errors![0]!.path).toBe(`/grid/${key}`);
    }
  });
});
