import { createConfig, lint } from "@redocly/openapi-core";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

describe("openapi.yaml", () => {
  it("passes the recommended Redocly rules without a single problem", async () => {
    const config = await createConfig(parse(readFileSync("redocly.yaml", "utf8")));
    const problems = await lint({ ref: "openapi.yaml", config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });
});

describe("the response validator", () => {
  it("rejects a response that breaks the contract", async () => {
    const { validateResponse } = await import("./openapi-validator.js");
    const bad = new Response(JSON.stringify({ status: "fine" }), { headers: { "content-type": "application/json" } });
    await expect(validateResponse("GET", "/healthz", bad)).rejects.toThrow(/does not match/);
    const undocumented = new Response("{}", { status: 418, headers: { "content-type": "application/json" } });
    await expect(validateResponse("GET", "/healthz", undocumented)).rejects.toThrow(/status 418/);
  });
});
