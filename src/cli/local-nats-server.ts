// Finds nats-server on this machine and runs one on a free 127.0.0.1 port for the demo, stopped by its PID.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Env } from "./command.ts";

/** Debian installs nats-server in /usr/sbin, which is not on an ordinary user's PATH. */
const EXTRA_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/local/bin"];
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3000;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type NatsServerLookup = { path: string } | { problem: string };

/** NATS_SERVER_BIN if set, else the first nats-server on PATH, else in the usual system folders. */
export function findNatsServer(env: Env, extraDirs: readonly string[] = EXTRA_DIRS): NatsServerLookup {
  const explicit = env.NATS_SERVER_BIN;
  if (explicit) {
    return executable(explicit) ? { path: explicit } : { problem: `NATS_SERVER_BIN is ${explicit}, which is not an executable file` };
  }
  const dirs = [...(env.PATH ?? "").split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, "nats-server");
    if (executable(candidate)) return { path: candidate };
  }
  return {
    problem: "nats-server is not installed (looked on PATH and in /usr/sbin); install it with "
      + "\"sudo apt-get install nats-server\" (Debian/Ubuntu) or \"brew install nats-server\" (macOS), "
      + "or set NATS_SERVER_BIN to its path",
  };
}

export interface LocalNatsServer {
  url: string;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL) and waits until the process is gone. */
  stop(): Promise<void>;
  /** Last resort for process exit paths that cannot wait: signals the server to stop. */
  killNow(): void;
}

/**
 * Starts `binary` listening on a port the kernel picks (never a well-known one), with JetStream
 * stored under `dir`. The server gets its own process group, so a Ctrl-C in the terminal reaches
 * only the demo, which then stops everything in order.
 */
export async function startLocalNatsServer(binary: string, dir: string): Promise<LocalNatsServer> {
  const args = ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", join(dir, "nats")];
  let proc: ChildProcess;
  try {
    proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  } catch (err) {
    throw new Error(`cannot start ${binary}: ${(err as Error).message}`);
  }
  let log = "";
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      proc.stdout!.off("data", onData);
      proc.stderr!.off("data", onData);
      // Keep reading so a chatty server never blocks on a full pipe.
      proc.stdout!.resume();
      proc.stderr!.resume();
    };
    const fail = (why: string) => {
      if (settled) return;
      settle();
      proc.kill("SIGKILL");
      reject(new Error(`${binary} ${why}${log ? `: ${log.trim().split("\n").slice(-3).join(" | ")}` : ""}`));
    };
    const timer = setTimeout(() => fail(`did not report its port within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const onData = (b: Buffer) => {
      log += b.toString();
      const m = /Listening for client connections on ([\d.]+):(\d+)/.exec(log);
      if (m && log.includes("Server is ready") && !settled) {
        settle();
        resolve(`nats://${m[1]}:${m[2]}`);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("error", (err) => fail(`could not be started: ${err.message}`));
    proc.once("exit", (code, signal) => fail(`exited at start (${signal ?? `exit code ${code}`})`));
  });
  const pid = proc.pid!;
  const running = () => proc.exitCode === null && proc.signalCode === null;

  return {
    url,
    pid,
    async stop() {
      if (!running()) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => running() && proc.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
    killNow() {
      if (running()) proc.kill("SIGKILL");
    },
  };
}
