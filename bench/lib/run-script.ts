// Runs one benchmark script as a child bun process and takes the BENCH_RESULT line it ends with.
import { spawn } from "node:child_process";
import { parseResultLine, type BenchResult } from "./result.ts";

export interface ScriptOutcome {
  result: BenchResult | null;
  code: number | null;
}

/** Its other output goes to our stderr as it comes, so a long run shows its progress. */
export function runBenchScript(script: string, args: readonly string[] = []): Promise<ScriptOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"], env: process.env });
    let result: BenchResult | null = null;
    let buf = "";
    child.stdout!.on("data", (b: Buffer) => {
      buf += b.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const parsed = parseResultLine(line);
        if (parsed) result = parsed;
        else process.stderr.write(`${line}\n`);
      }
    });
    child.once("exit", (code) => resolve({ result, code }));
  });
}
