import { describe, expect, it } from "vitest";
import { IMAGE_ARCHS } from "../../src/core/index.js";
import { TRAINERS } from "../../src/engine/trainers.js";
import { BACKEND_ARCHS, TFJS_BACKENDS, type TfjsBackend } from "../../src/runner/backends.js";
import { runnerCapabilities } from "../../src/runner/capabilities.js";
import { availableDatasets } from "../../src/runner/datasets.js";

describe("what a runner declares when it leases", () => {
  it("declares, on a tfjs backend, the kinds its engine trains and, for image jobs, its backend's trainable architectures and the data sets present", async () => {
    for (const backend of Object.keys(TFJS_BACKENDS) as TfjsBackend[]) {
      const capabilities = await runnerCapabilities({ backend });
      expect(capabilities.backends).toEqual([backend]);
      expect([...capabilities.kinds].sort()).toEqual(Object.keys(TRAINERS).sort());
      expect(capabilities.kinds).toContain("synthetic");
      if (capabilities.kinds.includes("image")) {
        expect(capabilities.archs).toEqual(BACKEND_ARCHS[backend].filter((arch) => IMAGE_ARCHS[arch].trainable));
        expect(capabilities.archs).toContain("mlp-1024-1024");
        expect(capabilities.datasets).toEqual(await availableDatasets());
      } else {
        expect(capabilities).toMatchObject({ archs: [], datasets: [] });
      }
    }
  });

  it("never declares an architecture no trainer trains", () => {
    for (const archs of Object.values(BACKEND_ARCHS)) for (const arch of archs) expect(IMAGE_ARCHS[arch]).toBeDefined();
    expect(Object.values(BACKEND_ARCHS).every((archs) => archs.includes("mlp-1024-1024"))).toBe(true);
  });

  it("trains every architecture on the torch backend, the CIFAR networks on no tfjs backend", () => {
    expect([...BACKEND_ARCHS.torch].sort()).toEqual(Object.keys(IMAGE_ARCHS).sort());
    for (const backend of Object.keys(TFJS_BACKENDS) as TfjsBackend[]) expect(BACKEND_ARCHS[backend]).toEqual(["mlp-1024-1024"]);
  });
});
