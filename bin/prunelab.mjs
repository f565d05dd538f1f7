#!/usr/bin/env node
import { runTypeScript } from "./run-typescript.mjs";

runTypeScript("src/cli/prunelab.ts");
