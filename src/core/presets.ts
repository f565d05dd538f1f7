import type { RunSpecInput } from "./spec.js";

export interface Preset {
  name: string;
  kind: "run" | "sweep";
  title: string;
  /** How the preset reads the paper where its text is ambiguous. */
  reading: string;
  /** The paper's qualitative claim this preset is meant to show. */
  claim: string;
  spec: RunSpecInput | Record<string, unknown>;
}

/** Presets by name (DESIGN §1): each states the reading of the paper it uses. */
export const PRESETS: Record<string, Preset> = {
  "paper-5.1": {
    name: "paper-5.1",
    kind: "run",
    title: "The §5.1 simulation setting, unpruned",
    reading:
      "x = [y·e1, ξ] in R^800 (d = 400 per patch), 100 train and 100 test samples, width 150 filters per class, " +
      "initial weights N(0, 0.1²) (the text's 'variance 0.01'), learning rate 0.001, 1000 full-batch steps, σn = 0.5, ReLU (q = 1).",
    claim: "Training error reaches zero; this is the dense reference point of Figure 2a.",
    spec: {},
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
