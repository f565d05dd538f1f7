import { z } from "zod";
import { fieldErrorSchema } from "./errors.js";
import { METRIC_NAMES, metricsSchema, provenanceSchema, runErrorSchema, runResultSchema, metricSchema, runProgressSchema, type MetricName } from "./result-schema.js";
import { component, handWritten, hashSchema, placementSchema, runStatusSchema } from "./shapes.js";
import type { RunSpec } from "./spec.js";
import { RUN_STATUSES, SWEEP_STATUSES, type RunStatus } from "./status.js";
import type { SweepSpec } from "./sweep.js";

/**
 * zod schemas of what the API answers: the one source of these shapes
 * (docs/decisions/007-one-source-for-shapes.md). The functions that build the views are typed by
 * them, and openapi.yaml's components are generated from them. They are never used to parse.
 */

const count = () => z.int().min(0);
const timestamp = () => z.iso.datetime();

export const problemSchema = component(
  "Problem",
  z
    .strictObject({
      type: z.string().describe("`/problems/<code>`, or about:blank for an internal error."),
      title: z.string(),
      status: z.int().min(400).max(599),
      detail: z.string(),
      errors: z.array(fieldErrorSchema).optional(),
    })
    .meta({
      description: "An RFC 9457 problem: the body of every error response.",
      examples: [
        {
          type: "/problems/validation_failed",
          title: "The request body does not describe a valid spec",
          status: 422,
          detail: "Invalid run spec: /spec/data/patchDim: Too small: expected number to be >=1",
          errors: [{ path: "/spec/data/patchDim", message: "Too small: expected number to be >=1" }],
        },
      ],
    }),
);

/** The filled-in run spec; its component is written by hand from spec.ts. */
const runSpecComponent = handWritten<RunSpec>("RunSpec");
/** The normalized sweep spec; its component is written by hand from sweep.ts. */
const sweepSpecComponent = handWritten<SweepSpec>("SweepSpec");

export const runViewSchema = component(
  "Run",
  z.strictObject({
    hash: hashSchema,
    status: runStatusSchema,
    placement: placementSchema,
    spec: runSpecComponent,
    result: runResultSchema.nullable(),
    error: runErrorSchema.nullable(),
    provenance: provenanceSchema.nullable(),
    attempts: count(),
    progress: runProgressSchema.nullable().describe("While running: what the last heartbeat reported."),
    partial: z
      .array(z.strictObject({ level: count(), density: z.number().min(0).max(1), final: metricsSchema }))
      .nullable()
      .describe("An IMP job's levels finished so far (kept while it runs, so a re-leased job resumes after the last of them); null otherwise."),
    notice: z
      .string()
      .nullable()
      .describe("Why a queued run may wait long: no companion runner can take it (none connected lately, none of those seen lately declared what it needs, or the runner protocol is closed)."),
    createdAt: timestamp(),
    finishedAt: timestamp().nullable(),
  }),
);

export const runListItemSchema = component(
  "RunListItem",
  z.strictObject({
    hash: hashSchema,
    status: runStatusSchema,
    placement: placementSchema,
    attempts: count(),
    createdAt: timestamp(),
    finishedAt: timestamp().nullable(),
  }),
);

export const statSchema = component(
  "Stat",
  z
    .strictObject({
      n: count(),
      mean: z.number().nullable(),
      std: z.number().nullable().describe("Sample standard deviation (n − 1); null below two values."),
      min: z.number().nullable(),
      max: z.number().nullable(),
    })
    .describe("Summary of one metric over the finite values of a grid point's runs."),
);

export const meanCurvePointSchema = component(
  "MeanCurvePoint",
  z
    .strictObject({ step: count(), ...(Object.fromEntries(METRIC_NAMES.map((name) => [name, metricSchema])) as Record<MetricName, typeof metricSchema>) })
    .describe("Mean over the runs that reached this step (for image runs: this epoch) with a finite value."),
);

/**
 * One aggregate row's point: grid key → value. Image sweeps group by `pruning.method` and realized
 * `pruning.density` (an IMP member gives one row per level) besides their other grid values.
 */
const gridPointSchema = z.record(z.string(), z.union([z.number(), z.string()]));

export const pairedDifferenceSchema = component(
  "PairedDifference",
  z
    .strictObject({
      metric: z.literal("testError").describe("The metric compared: test error (an image sweep's accuracy difference is its negative)."),
      n: count().describe("Seeds with a finite test error both at this point and at its dense reference."),
      mean: z.number().nullable().describe("Mean over those seeds of test error here minus test error of the dense run of the same seed; negative means pruning helped. Null when n = 0."),
      std: z.number().nullable().describe("Sample standard deviation (n − 1) of the differences; null below two."),
      se: z.number().nullable().describe("Standard error of the mean difference, std / √n; null below two."),
      improved: count().describe("Seeds whose test error is lower than their dense reference's."),
      worsened: count().describe("Seeds whose test error is higher than their dense reference's."),
    })
    .describe(
      "Test error against the dense network, paired by seed: within one seed the members share data and initial weights, and masks are nested across densities. " +
        "The dense reference of a point is the point with density 1 and the same other grid values (an image sweep: the same method's density-1 run or IMP level 0 of the same job, else any dense run of those values).",
    ),
);

export const aggregateRowSchema = component(
  "AggregateRow",
  z.strictObject({
    point: gridPointSchema,
    runs: count().describe("Member runs at this point."),
    completed: count().describe("Runs with a result (succeeded)."),
    diverged: count().describe("Completed runs that diverged."),
    missingSignalNeurons: count()
      .nullable()
      .describe(
        "Completed runs in which some class has no signal neuron (no filter whose mask keeps that class's signal coordinate), " +
          "so the class cannot be learned: the over-pruning mechanism of Theorem 4.1. Null for image sweeps.",
      ),
    final: z.strictObject(Object.fromEntries(METRIC_NAMES.map((name) => [name, statSchema])) as Record<MetricName, typeof statSchema>),
    paired: pairedDifferenceSchema
      .nullable()
      .describe("Test error against the dense run of the same seed and other grid values. Null when the grid has no density 1 to compare with (or no density axis)."),
    curve: z.array(meanCurvePointSchema),
  }),
);

export const statusCountsSchema = z.strictObject(Object.fromEntries(RUN_STATUSES.map((status) => [status, count()])) as Record<RunStatus, ReturnType<typeof count>>);

export const sweepViewSchema = component(
  "Sweep",
  z.strictObject({
    hash: hashSchema,
    status: z.enum(SWEEP_STATUSES),
    size: z.int().min(1),
    spec: sweepSpecComponent,
    counts: statusCountsSchema,
    members: z.array(z.strictObject({ hash: hashSchema, status: runStatusSchema, pointIndex: count(), repeat: count() })),
    aggregate: z.array(aggregateRowSchema),
    notice: z.string().nullable().describe("Why queued members may wait long: no companion runner can take them (with, per need, how many no runner seen lately can train)."),
    createdAt: timestamp(),
  }),
);

/** A preset as the core lists it; the API adds the hash of its spec. */
export const presetSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(["run", "sweep"]),
  title: z.string(),
  reading: z.string().describe("How the preset reads the paper where its text is ambiguous."),
  claim: z.string().describe("The paper's qualitative claim the preset is meant to show."),
  spec: z.record(z.string(), z.unknown()).describe("A run spec or a sweep spec, as sent (by `kind`)."),
});

export const presetViewSchema = component(
  "Preset",
  presetSchema.extend({ hash: hashSchema.describe("The hash of the preset's spec, under which its result is stored.") }),
);

/** What `POST /v1/cache/purge` did in each layer of the cache (docs/decisions/008-workers-cache.md). */
export const cachePurgeSchema = component(
  "CachePurge",
  z.strictObject({
    tags: z.array(z.string()),
    workersCache: z.enum(["purged", "failed", "unavailable"]).describe("Workers Cache, in front of the Worker: `unavailable` where the runtime has none (wrangler dev, tests)."),
    cacheApiEntries: count().describe("Entries of the Worker's own Cache API deleted: those of the hashes named by tags, under the current representation version."),
    detail: z.string().nullable(),
  }),
);
