// Entry point: gives `aggregator run` its allocator tuning (a re-exec, before the rest is loaded), then hands over to the command line.
import { reexecWithAllocatorEnv } from "./cli/allocator-tuning.ts";

const [first] = process.argv.slice(2);
// Only the long-running service: one-shot commands would pay a second start-up for nothing.
const tuned = first === undefined || first === "run" ? reexecWithAllocatorEnv(process.env) : Promise.resolve();
// No top-level await: the compiled binary's bytecode is a CommonJS module. The tuning never rejects, and
// dispatch.ts turns every failure of a command into its line and exit code.
void tuned.then(() => import("./cli/dispatch.ts"));
