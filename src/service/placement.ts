import { AppError, kindOf, type Placement, type RunSpec } from "../core/index.js";

export type RequestedPlacement = "auto" | Placement;

/**
 * Decides where a run trains (docs/architecture.md, Life of a job): on the edge when its kind may
 * train there and its cost is within the edge budget, else on a runner. `runner` may always be
 * forced; `edge` never above the budget or for a kind the Worker cannot train.
 */
export function decidePlacement(spec: RunSpec, requested: RequestedPlacement, edgeMaxMacs: number): Placement {
  if (requested === "runner") return "runner";
  const kind = kindOf(spec);
  if (!kind.placements.includes("edge")) {
    if (requested === "edge") {
      throw new AppError("over_budget", `${kind.name} runs train only on runners`, {
        errors: [{ path: "/options/placement", message: `a ${kind.name} run cannot train on the edge: use auto or runner` }],
      });
    }
    return "runner";
  }
  const { totalMacs } = kind.cost(spec);
  if (totalMacs <= edgeMaxMacs) return "edge";
  if (requested === "edge") {
    throw new AppError("over_budget", `the run needs ${totalMacs.toExponential(2)} multiply-adds; the edge takes at most ${edgeMaxMacs.toExponential(2)}`, {
      errors: [{ path: "/options/placement", message: "over the edge budget: use auto or runner" }],
    });
  }
  return "runner";
}
