// Runs one of this package's TypeScript entry points through tsx, with the same Node binary and
// from any working directory (tsx is resolved from this package, not from the caller's directory).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export function runTypeScript(entry) {
  const script = fileURLToPath(new URL(`../${entry}`, import.meta.url));
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), script, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
