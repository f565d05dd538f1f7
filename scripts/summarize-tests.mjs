#!/usr/bin/env node
// Prints the closing line CI reads, `N passed, N failed`, from vitest's JSON report, pytest's JUnit
// XML report (the Python trainer's tests) and the test command's exit status. A failing command with
// no failure in the reports (a type error, a crashed setup) counts as one failure.
import { existsSync, readFileSync } from "node:fs";

const [reportPath = ".test-results.json", statusText = "0", junitPath = ".pytest-results.xml"] = process.argv.slice(2);
const status = Number(statusText);
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.testResults ?? []).filter((f) => f.status === "failed" && f.assertionResults?.length === 0).length;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
// pytest's report: one <testsuite tests= failures= errors= skipped=> per run; failures and errors count as failed
if (existsSync(junitPath)) {
  for (const [suite] of readFileSync(junitPath, "utf8").matchAll(/<testsuite\b[^>]*>/g)) {
    const count = (name) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
    const bad = count("failures") + count("errors");
    passed += count("tests") - bad - count("skipped");
    failed += bad;
    skipped += count("skipped");
  }
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
