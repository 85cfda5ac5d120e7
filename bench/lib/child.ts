// A bun child process spoken to by lines: commands on its stdin, JSON replies on its stdout ("TAG {json}").
import { spawn, type ChildProcess } from "node:child_process";
import { PROJECT_ROOT } from "../../test/helpers/aggregator-process.ts";

export class LineChild {
  readonly proc: ChildProcess;
  private buf = "";
  private waiters: { tag: string; resolve: (v: any) => void; reject: (e: Error) => void }[] = [];
  private backlog: { tag: string; body: any }[] = [];
  readonly exited: Promise<number | null>;
  stderr = "";

  constructor(script: string, args: string[] = [], bunFlags: string[] = []) {
    this.proc = spawn(process.execPath, [...bunFlags, script, ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env },
    });
    this.proc.stdout!.on("data", (b: Buffer) => this.onData(b.toString()));
    this.proc.stderr!.on("data", (b: Buffer) => {
      this.stderr += b.toString();
      process.stderr.write(b);
    });
    this.exited = new Promise((r) => this.proc.once("exit", (code) => {
      for (const w of this.waiters) w.reject(new Error(`${script} exited (${code}) while waiting for ${w.tag}\n${this.stderr}`));
      this.waiters = [];
      r(code);
    }));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  private onData(s: string): void {
    this.buf += s;
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const sp = line.indexOf(" ");
      const tag = sp < 0 ? line : line.slice(0, sp);
      const rest = sp < 0 ? "" : line.slice(sp + 1);
      let body: unknown = rest;
      try {
        body = rest ? JSON.parse(rest) : null;
      } catch {
        // not JSON: keep the text
      }
      const i = this.waiters.findIndex((w) => w.tag === tag);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(body);
      else this.backlog.push({ tag, body });
    }
  }

  /** Resolves with the body of the next line tagged `tag` (one already received counts). */
  next<T = any>(tag: string, timeoutMs = 600_000): Promise<T> {
    const i = this.backlog.findIndex((l) => l.tag === tag);
    if (i >= 0) return Promise.resolve(this.backlog.splice(i, 1)[0]!.body);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${tag} from child ${this.pid}`)), timeoutMs);
      this.waiters.push({
        tag,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  send(line: string): void {
    this.proc.stdin!.write(line + "\n");
  }

  async request<T = any>(command: string, replyTag: string, timeoutMs?: number): Promise<T> {
    const p = this.next<T>(replyTag, timeoutMs);
    this.send(command);
    return p;
  }

  /** Asks the child to leave; kills it by PID after a grace period. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    try {
      this.send("EXIT");
    } catch {
      // stdin may already be closed
    }
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** In a child: reads command lines from stdin and hands each to `onLine`. */
export function readCommands(onLine: (line: string) => void | Promise<void>): void {
  let buf = "";
  process.stdin.on("data", (b: Buffer) => {
    buf += b.toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) void onLine(line);
    }
  });
}

export function reply(tag: string, body: unknown): void {
  process.stdout.write(`${tag} ${JSON.stringify(body)}\n`);
}
