// How the user can run this same program again from a shell, for hints such as "in another terminal: ... stats".
import { basename, relative } from "node:path";
import { currentRuntime } from "../runtime.ts";
import type { Env } from "./command.ts";

/** The compiled binary's entry lives in Bun's embedded file system. */
export function isCompiledBinary(argv: readonly string[] = process.argv): boolean {
  return (argv[1] ?? "").startsWith("/$bunfs/");
}

/** A command line that starts this program, e.g. "/usr/local/bin/aggregator", "npm start --" or "bun src/main.ts". */
export function selfCommand(env: Env, argv: readonly string[] = process.argv, execPath = process.execPath): string {
  if (isCompiledBinary(argv)) return execPath;
  // Under `npm run demo`, `bun` is on npm's PATH but maybe not on the user's; `npm start --` always works.
  if (env.npm_lifecycle_event) return "npm start --";
  const script = argv[1] ? relative(process.cwd(), argv[1]) || argv[1] : "src/main.ts";
  const runtime = basename(execPath).replace(/\.exe$/, "");
  return currentRuntime() === "deno" ? `${runtime} run -A ${script}` : `${runtime} ${script}`;
}
