// Debian's Prometheus (and promtool) on a free port with its own data folder, scraping the service under test.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./aggregator-process.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./wait.ts";

function binary(name: "prometheus" | "promtool"): string {
  for (const dir of (process.env.PATH ?? "").split(":").concat("/usr/bin")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  // Fail loudly: a monitoring test that skips itself would prove nothing.
  throw new Error(`${name} not found on PATH: install Debian's prometheus package (apt-get install prometheus; .ci/run does)`);
}

/** `promtool check metrics` on an exposition text: its exit code and whatever it complained about. */
export function promtoolCheckMetrics(text: string): { code: number | null; problems: string } {
  const r = spawnSync(binary("promtool"), ["check", "metrics"], { input: text, encoding: "utf8" });
  return { code: r.status, problems: `${r.stdout}${r.stderr}`.trim() };
}

/** `promtool check config` on a Prometheus configuration file. */
export function promtoolCheckConfig(path: string): { code: number | null; output: string } {
  const r = spawnSync(binary("promtool"), ["check", "config", path], { encoding: "utf8" });
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

export class TestPrometheus {
  private log = "";

  private constructor(private readonly proc: ChildProcess, readonly port: number) {
    proc.stdout!.on("data", (b: Buffer) => (this.log += b.toString()));
    proc.stderr!.on("data", (b: Buffer) => (this.log += b.toString()));
  }

  /** Scrapes `target` (host:port) every second. */
  static async start(target: string): Promise<TestPrometheus> {
    const bin = binary("prometheus");
    const dir = tempDir("prometheus-");
    const port = await freePort();
    const config = join(dir, "prometheus.yml");
    writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: aggregator\n    static_configs:\n      - targets: ["${target}"]\n`);
    const proc = spawn(bin, [
      `--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn",
    ], { stdio: ["ignore", "pipe", "pipe"] });
    const server = new TestPrometheus(proc, port);
    await waitFor(`prometheus on port ${port} to be ready`, async () => {
      if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}: ${server.log}`);
      return (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok;
    }, 20_000, 100);
    return server;
  }

  /** An instant query's samples as (labels, value) pairs. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const res = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== "success") throw new Error(`prometheus query ${expr}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The single value of a query, or undefined while it has none. */
  async value(expr: string): Promise<number | undefined> {
    const r = await this.query(expr);
    return r.length === 1 ? r[0]!.value : undefined;
  }

  get output(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once("exit", () => r()));
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
