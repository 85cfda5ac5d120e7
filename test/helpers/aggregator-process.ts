// Runs the aggregator as a real child process (source or compiled binary) and talks to it as an operator would.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./ports.ts";
import { waitFor } from "./wait.ts";

export const PROJECT_ROOT = resolve(import.meta.dir, "../..");

// Every temp dir of one test run lives under one root, removed when the run ends.
const RUN_ROOT = join(tmpdir(), `agg-tests-${process.pid}`);
let rootMade = false;

export function tempDir(prefix = "agg-test-"): string {
  if (!rootMade) {
    mkdirSync(RUN_ROOT, { recursive: true });
    process.once("exit", () => rmSync(RUN_ROOT, { recursive: true, force: true }));
    rootMade = true;
  }
  return mkdtempSync(join(RUN_ROOT, prefix));
}

export interface AggregatorProcessOptions {
  env: Record<string, string>;
  /** Command to run; defaults to `bun src/main.ts`. */
  command?: string[];
  args?: string[];
}

export class AggregatorProcess {
  private proc: ChildProcess;
  private out = "";
  private err = "";
  readonly exited: Promise<number | null>;

  private constructor(opts: AggregatorProcessOptions, readonly httpPort: number) {
    const [cmd, ...cmdArgs] = opts.command ?? [process.execPath, join(PROJECT_ROOT, "src/main.ts")];
    this.proc = spawn(cmd!, [...cmdArgs, ...(opts.args ?? [])], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", HTTP_PORT: String(httpPort), ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc.stdout!.on("data", (b: Buffer) => (this.out += b.toString()));
    this.proc.stderr!.on("data", (b: Buffer) => (this.err += b.toString()));
    this.exited = new Promise((r) => this.proc.once("exit", (code) => r(code)));
  }

  /** Starts the service with its own free HTTP port (unless env sets one). */
  static async start(opts: AggregatorProcessOptions): Promise<AggregatorProcess> {
    const port = opts.env.HTTP_PORT ? Number(opts.env.HTTP_PORT) : await freePort();
    return new AggregatorProcess(opts, port);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  async http(path: string): Promise<{ status: number; body: any; text: string }> {
    const res = await fetch(`http://127.0.0.1:${this.httpPort}${path}`);
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body, text };
  }

  async waitReady(timeoutMs = 15_000): Promise<void> {
    await waitFor("aggregator /readyz to answer 200", async () => {
      if (this.proc.exitCode !== null) throw new Error(`aggregator exited with ${this.proc.exitCode}\n${this.err}\n${this.out}`);
      return (await this.http("/readyz")).status === 200;
    }, timeoutMs, 50);
  }

  /** Sends a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}, command?: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...cmdArgs] = command ?? [process.execPath, join(PROJECT_ROOT, "src/main.ts")];
  const proc = spawn(cmd!, [...cmdArgs, ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
  proc.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((r) => proc.once("exit", (c) => r(c)));
  return { code, stdout, stderr };
}
