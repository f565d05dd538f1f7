import { z } from "zod";
import { describe, expect, it } from "vitest";
import { AppError, databaseUrlSchema, isFinalStatus, parseConfigOrThrow, parseOrThrow, RUN_STATUSES } from "../../src/core/index.js";

describe("configuration and body validation", () => {
  const schema = z.object({ PORT: z.coerce.number().int(), DATABASE_URL: databaseUrlSchema, nested: z.object({ limit: z.number() }).optional() });

  it("names every invalid configuration key on one line, as `misconfigured`", () => {
    expect(parseConfigOrThrow(schema, { PORT: "8787", DATABASE_URL: "postgresql://h/db" }, "bad")).toEqual({ PORT: 8787, DATABASE_URL: "postgresql://h/db" });
    let thrown: unknown;
    try {
      parseConfigOrThrow(schema, { PORT: "x", DATABASE_URL: "mysql://h/db", nested: { limit: "no" } }, "invalid configuration");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe("misconfigured");
    expect((thrown as AppError).message).toMatch(/^invalid configuration: PORT: [^;]+; DATABASE_URL: must be a postgres:\/\/ URL; nested\.limit: [^;]+$/);
  });

  it("reports a body's field errors as JSON Pointers and summarizes the first, as `validation_failed`", () => {
    let thrown: unknown;
    try {
      parseOrThrow(schema.strict(), { PORT: "x", DATABASE_URL: "postgres://h/db", extra: 1 }, "request");
    } catch (error) {
      thrown = error;
    }
    expect((thrown as AppError).code).toBe("validation_failed");
    const errors = (thrown as AppError).errors!;
    expect(errors.map((error) => error.path)).toEqual(["/PORT", "/extra"]);
    expect(errors[1]!.message).toBe("unknown field");
    expect((thrown as AppError).message).toBe(`Invalid request: /PORT: ${errors[0]!.message} (+1 more)`);
  });

  it("accepts postgres:// and postgresql:// URLs only", () => {
    for (const url of ["postgres://u@h:5432/db", "postgresql://h/db?sslmode=require"]) expect(databaseUrlSchema.safeParse(url).success).toBe(true);
    for (const url of ["mysql://h/db", "h:5432/db", " postgres://h/db", ""]) expect(databaseUrlSchema.safeParse(url).success).toBe(false);
  });
});

describe("final statuses", () => {
  it("are succeeded, failed and canceled, for runs and sweeps alike", () => {
    expect(RUN_STATUSES.filter(isFinalStatus)).toEqual(["succeeded", "failed", "canceled"]);
  });
});
