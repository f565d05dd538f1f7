import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url);
const tracked = execFileSync("git", ["ls-files", "src", "test", "scripts", "bench", "docs", "migrations", "README.md", "wrangler.toml"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((path) => /\.(ts|mjs|cjs|js|md|sql|toml|py)$/.test(path));
/** A file's text with comment line breaks folded, so a citation wrapped across comment lines reads as one. */
const textOf = (path: string) => readFileSync(new URL(path, ROOT), "utf8").replace(/\s*\n\s*(?:\*|\/\/|--|#)?\s*/g, " ");

const headings = new Set(
  readFileSync(new URL("docs/architecture.md", ROOT), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("#"))
    .map((line) => line.replace(/^#+\s*/, "").trim().toLowerCase()),
);

describe("the repository explains itself", () => {
  it("cites sections of docs/architecture.md that exist", () => {
    const broken: string[] = [];
    let cited = 0;
    for (const path of tracked) {
      for (const match of textOf(path).matchAll(/docs\/architecture\.md, ([^);:.]+)/g)) {
        cited++;
        const section = match[1]!.trim().toLowerCase();
        if (section.startsWith("<")) continue; // the document's own example of the form
        if (![...headings].some((heading) => section.startsWith(heading))) broken.push(`${path}: "${section}"`);
      }
    }
    expect(cited).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });

  it("cites no notes kept outside the repository", () => {
    const outside = tracked.filter((path) => !path.startsWith("test/architecture/") && /DESIGN(\.md)? ?§|STYLE\.md|\.\.\/shared\//.test(readFileSync(new URL(path, ROOT), "utf8")));
    expect(outside).toEqual([]);
  });
});
