// Starts a real nats-server on free 127.0.0.1 ports for a test, and stops it by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./aggregator-process.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./wait.ts";

export function natsServerBinary(): string {
  const candidates = [process.env.NATS_SERVER_BIN, "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"];
  const found = candidates.find((c) => c && existsSync(c));
  if (found) return found;
  const onPath = Bun.which("nats-server");
  if (onPath) return onPath;
  throw new Error("nats-server not found: apt-get install nats-server (or set NATS_SERVER_BIN)");
}

export interface NatsServerOptions {
  jetstream?: boolean;
  websocket?: boolean;
  /** Extra configuration file text (authorization, tls, ...); ports are added by the helper. */
  config?: string;
}

export class TestNatsServer {
  private proc: ChildProcess | null = null;
  private log = "";
  readonly dir: string;

  private constructor(readonly port: number, readonly wsPort: number | null, private readonly opts: NatsServerOptions) {
    this.dir = tempDir("agg-nats-");
  }

  static async start(opts: NatsServerOptions = {}): Promise<TestNatsServer> {
    const server = new TestNatsServer(await freePort(), opts.websocket ? await freePort() : null, opts);
    await server.launch();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    if (this.wsPort === null) throw new Error("this test server was started without websocket");
    return `ws://127.0.0.1:${this.wsPort}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get output(): string {
    return this.log;
  }

  private async launch(): Promise<void> {
    const lines = [`listen: "127.0.0.1:${this.port}"`];
    if (this.opts.jetstream) lines.push(`jetstream { store_dir: "${join(this.dir, "js")}" }`);
    if (this.wsPort !== null) lines.push(`websocket { listen: "127.0.0.1:${this.wsPort}"\n no_tls: true }`);
    if (this.opts.config) lines.push(this.opts.config);
    const conf = join(this.dir, "server.conf");
    writeFileSync(conf, lines.join("\n") + "\n");
    const proc = spawn(natsServerBinary(), ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    this.log = "";
    const collect = (b: Buffer) => {
      this.log += b.toString();
    };
    proc.stdout!.on("data", collect);
    proc.stderr!.on("data", collect);
    await waitFor(`nats-server on port ${this.port} to be ready`, () => {
      if (proc.exitCode !== null) throw new Error(`nats-server exited with ${proc.exitCode}: ${this.log}`);
      return this.log.includes("Server is ready");
    }, 10_000);
  }

  /** Stops the server (SIGTERM, then SIGKILL) and waits for the process to end. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
    this.proc = null;
  }

  /** Starts the server again on the same ports and store. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
