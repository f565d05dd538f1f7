import { axisPositions, mapAxes, type MapAxis, type MapCell } from "./map-layout.js";
import { sparsityToDensity } from "./kinds/index.js";
import type { TheoryScales } from "./result.js";
import type { GridPoint, SweepSpec } from "./sweep.js";

/**
 * The theory drawn on a regime map (docs/decisions/015-paired-comparisons-and-regime-maps.md): the
 * paper's density scales per row and Condition 2.2's ratio where it crosses 1, each in the grid's
 * own units and at its position between the map's columns or rows. Pure.
 */

const DENSITY_KEY = "pruning.density";

/** One drawn theory line segment: a vertical (x) or horizontal (y) rule across one row or column of cells. */
export interface TheorySegment {
  scale: "mild pruning: log d / m" | "over-pruning: 1/(K m log d)" | "one signal neuron per class: 1/m" | "Condition 2.2 ratio = 1";
  /** Where the line is, in the grid's own units (a density, a noise level). */
  value: number;
  x?: number;
  y?: number;
  /** Span of the segment along the other axis. */
  from: number;
  to: number;
}

/** A kind's theory at a grid point (synthetic: the paper's scales for the point's spec); null where none applies. */
export type TheoryAt = (point: GridPoint) => TheoryScales | null;

/**
 * The theory's lines on the map: the mild-pruning density log d / m, the over-pruning density
 * 1/(K m log d) and the density 1/m at which a class keeps one filter seeing its signal on
 * average (Theorem 4.1's mechanism), as vertical segments per row (when x is density), each where
 * it falls inside the grid; and Condition 2.2's ratio μ/(σn √d log d) = 1 where it crosses between two rows or
 * columns. Also returns what the subtitle says of each, drawn or not.
 */
export function theorySegments(sweep: SweepSpec, cells: readonly MapCell[], theoryAt: TheoryAt): { segments: TheorySegment[]; notes: string[] } {
  const axes = mapAxes(sweep);
  if (!axes || cells.length === 0) return { segments: [], notes: [] };
  const pointOf = (cell: MapCell): GridPoint => ({ ...Object.fromEntries(Object.entries(sweep.grid).map(([key, values]) => [key, values[0]!])), [axes.x.key]: cell.xValue, [axes.y.key]: cell.yValue });
  const theories = cells.map((cell) => theoryAt(pointOf(cell)));
  if (theories.some((theory) => theory === null)) return { segments: [], notes: [] };
  const xPositions = axisPositions(axes.x, sweep.grid[axes.x.key] as number[]);
  const yPositions = axisPositions(axes.y, sweep.grid[axes.y.key] as number[]);
  const xs = cells.flatMap((cell) => [cell.x0, cell.x1]);
  const ys = cells.flatMap((cell) => [cell.y0, cell.y1]);
  const [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const segments: TheorySegment[] = [];
  const notes: string[] = [];
  const range = (values: number[]) => {
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    return lo === hi ? format(lo) : `${format(lo)}–${format(hi)}`;
  };

  if (axes.x.key === DENSITY_KEY) {
    // Theorem 4.1's mechanism: a class loses every filter that sees its signal when density · m falls below about 1
    // (expectedSignalNeurons is density · m at the cell's own density, so this is 1/m)
    const oneSignalNeuron = (theory: TheoryScales, cell: MapCell) => (theory.expectedSignalNeurons > 0 ? Number((cell.xValue / theory.expectedSignalNeurons).toPrecision(12)) : null);
    const scales = [
      ["mild pruning: log d / m", (theory: TheoryScales) => theory.mildDensityScale, "solid"],
      ["over-pruning: 1/(K m log d)", (theory: TheoryScales) => theory.overPruningDensityScale, "dashed"],
      ["one signal neuron per class: 1/m", oneSignalNeuron, "dash-dot"],
    ] as const;
    for (const [scale, valueOf, style] of scales) {
      const rowsSeen = new Map<number, number>();
      cells.forEach((cell, i) => {
        const density = valueOf(theories[i]!, cell);
        if (density !== null) rowsSeen.set(cell.y, density);
      });
      const values = [...rowsSeen.values()];
      if (values.length === 0) continue;
      let inside = 0;
      for (const [y, density] of rowsSeen) {
        const x = xPositions.at(density);
        const cell = cells.find((c) => c.y === y)!;
        if (x !== null) {
          segments.push({ scale, value: density, x, from: cell.y0, to: cell.y1 });
          inside++;
        }
      }
      notes.push(`${scale} = ${range(values)} (${style}${inside === 0 ? ", outside the grid" : ""})`);
    }
  }

  const ratios = theories.map((theory) => theory!.conditionRatio);
  if (ratios.every((ratio): ratio is number => ratio !== null)) {
    const crossing = ratioCrossing(cells, ratios as number[], { x: xPositions.sorted, y: yPositions.sorted }, { x: axes.x, y: axes.y });
    if (crossing) segments.push(...crossing(xMin, xMax, yMin, yMax));
    notes.push(`Condition 2.2 ratio μ/(σn √d log d) = ${range(ratios as number[])}${crossing ? " (dotted: ratio 1)" : ", the theory asks for Θ(1)"}`);
  }
  return { segments, notes };
}

/** Where the Condition 2.2 ratio crosses 1 between neighbouring rows (or columns), when it varies along one axis only. */
function ratioCrossing(
  cells: readonly MapCell[],
  ratios: number[],
  sorted: { x: number[]; y: number[] },
  axes: { x: MapAxis; y: MapAxis },
): ((xMin: number, xMax: number, yMin: number, yMax: number) => TheorySegment[]) | null {
  const along = (coordinate: "x" | "y") => {
    const byValue = new Map<number, Set<number>>();
    cells.forEach((cell, i) => byValue.set(cell[coordinate], (byValue.get(cell[coordinate]) ?? new Set()).add(ratios[i]!)));
    return [...byValue.entries()].every(([, set]) => set.size === 1) ? [...byValue.entries()].map(([value, set]) => [value, [...set][0]!] as const).sort((a, b) => a[0] - b[0]) : null;
  };
  for (const coordinate of ["y", "x"] as const) {
    const line = along(coordinate);
    if (!line || new Set(line.map(([, ratio]) => ratio)).size < 2) continue;
    for (let i = 1; i < line.length; i++) {
      const [a, ra] = line[i - 1]!;
      const [b, rb] = line[i]!;
      if ((ra - 1) * (rb - 1) > 0) continue;
      // interpolate in log ratio: the ratio is a power law in every parameter it has
      const t = Math.log(ra) === Math.log(rb) ? 0.5 : Math.log(ra) / (Math.log(ra) - Math.log(rb));
      const at = a + t * (b - a);
      // the grid value there: the ratio's power law interpolated between the two grid values
      const [va, vb] = [sorted[coordinate][a]!, sorted[coordinate][b]!];
      const drawnValue = axes[coordinate].log ? va * (vb / va) ** t : va + t * (vb - va);
      const value = axes[coordinate].asSparsity ? sparsityToDensity(drawnValue) : drawnValue;
      return (xMin, xMax, yMin, yMax) =>
        coordinate === "y"
          ? [{ scale: "Condition 2.2 ratio = 1", value, y: at, from: xMin, to: xMax }]
          : [{ scale: "Condition 2.2 ratio = 1", value, x: at, from: yMin, to: yMax }];
    }
  }
  return null;
}

const format = (value: number) => (value >= 0.01 && value < 1000 ? String(Number(value.toPrecision(2))) : value.toExponential(1));
