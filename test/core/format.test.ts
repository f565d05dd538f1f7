import { describe, expect, it } from "vitest";
import { densityToSparsity, epochProgressText, progressLines, type ProgressState } from "../../src/core/index.js";

describe("plain progress lines for a wait without a terminal", () => {
  const state = (status: string, value: number, total = 1000): ProgressState => ({ status, value, total, unit: "steps" });
  /** The lines printed over a sequence of polls. */
  const printed = (polls: ProgressState[]) => {
    let previous: ProgressState | null = null;
    return polls.flatMap((poll) => {
      const lines = progressLines(previous, poll);
      previous = poll;
      return lines;
    });
  };

  it("prints the first status, each change of status, and progress once per tenth crossed", () => {
    const polls = [state("queued", 0), state("queued", 0), state("running", 0), ...[50, 120, 180, 410, 420, 990].map((step) => state("running", step)), state("succeeded", 1000)];
    expect(printed(polls)).toEqual([
      "queued",
      "queued → running",
      "running 12% (120/1000 steps)",
      "running 41% (410/1000 steps)",
      "running 99% (990/1000 steps)",
      "running → succeeded",
    ]);
  });

  it("prints progress already made when it first sees a running job, and nothing for polls that change nothing", () => {
    expect(printed([state("running", 400), state("running", 450), state("running", 450)])).toEqual(["running", "running 40% (400/1000 steps)"]);
    expect(printed([state("queued", 0), state("running", 700)])).toEqual(["queued", "queued → running", "running 70% (700/1000 steps)"]);
  });

  it("bounds the lines of a long job by its tenths, however often it is polled", () => {
    const polls = [state("queued", 0), ...Array.from({ length: 1000 }, (_, step) => state("running", step + 1)), state("succeeded", 1000)];
    expect(printed(polls)).toHaveLength(2 + 10 + 1);
  });
});

describe("an image run's progress in words", () => {
  it("names the level of an IMP job, the epoch and the loss to three digits", () => {
    expect(epochProgressText({ epoch: 12, epochs: 120, level: 3, levels: 7, loss: 0.0812345 }, "line")).toBe("level 3/7 · epoch 12/120 · loss 0.0812");
    // a random mask trains one network: no level; no loss before the first epoch ends
    expect(epochProgressText({ epoch: 0, epochs: 120, level: 0, levels: 0, loss: null }, "line")).toBe("epoch 0/120");
  });

  it("follows a plain progress line as its detail", () => {
    const polls: ProgressState[] = [
      { status: "running", value: 0, total: 240, unit: "epochs" },
      { status: "running", value: 130, total: 240, unit: "epochs", detail: "level 1/1 · epoch 10/120 · loss 0.05" },
    ];
    expect(progressLines(polls[0]!, polls[1]!)).toEqual(["running 54% (130/240 epochs) level 1/1 · epoch 10/120 · loss 0.05"]);
  });
});

describe("densityToSparsity", () => {
  it("gives back the sparsity that was asked for, without float noise", () => {
    expect([1, 0.7, 0.5, 0.3, 0.1, 0.01].map(densityToSparsity)).toEqual([0, 0.3, 0.5, 0.7, 0.9, 0.99]);
    expect(1 - 0.7).not.toBe(0.3); // what the rounding is for
  });
});
