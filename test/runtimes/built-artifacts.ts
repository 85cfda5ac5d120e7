// Runs `bun build.ts` once per test run, so every test of dist/ sees fresh artifacts built by the real build script.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../helpers/aggregator-process.ts";

export const BINARY = join(PROJECT_ROOT, "dist/aggregator");
export const NODE_BUNDLE = join(PROJECT_ROOT, "dist/node/main.js");

let built: { output: string } | undefined;

/** Builds dist/aggregator and dist/node/main.js (the first call only) and returns what the build printed. */
export function ensureBuilt(): { output: string } {
  if (built) return built;
  const build = spawnSync(process.execPath, ["build.ts"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`bun build.ts failed with exit code ${build.status}:\n${build.stderr}\n${build.stdout}`);
  for (const file of [BINARY, NODE_BUNDLE]) if (!existsSync(file)) throw new Error(`bun build.ts did not produce ${file}`);
  built = { output: build.stdout + build.stderr };
  return built;
}
