import type { z } from "zod";
import { PRESETS, identifyPreset, type presetViewSchema } from "../core/index.js";

/** A preset with the hash of its spec: `presetViewSchema`, the `Preset` component of openapi.yaml. */
export type PresetView = z.output<typeof presetViewSchema>;

let views: Promise<PresetView[]> | undefined;
/** Every preset with the hash of its spec, computed once per isolate. */
export function presetViews(): Promise<PresetView[]> {
  views ??= Promise.all(Object.values(PRESETS).map(async (preset) => ({ ...preset, hash: (await identifyPreset(preset)).hash })));
  return views;
}

/** The preset whose spec has this hash, if any (titles for charts and pages). */
export async function presetWithHash(hash: string): Promise<PresetView | undefined> {
  return (await presetViews()).find((preset) => preset.hash === hash);
}
