// Memory and CPU time of a process by PID, from /proc/<pid>/status and /proc/<pid>/stat (Linux).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export interface ProcMemory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size over the process's life (VmHWM), bytes. */
  hwm: number;
}

export function procMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** CPU seconds (user + system) a process has used so far, its threads included; NaN once it is gone. */
export function procCpuSeconds(pid: number): number {
  return cpuSecondsOf(`/proc/${pid}/stat`);
}

/** Minor page faults a process has taken so far, its threads included (~10 µs each on a VM like this one); NaN once it is gone. */
export function procMinorFaults(pid: number): number {
  const f = statFields(`/proc/${pid}/stat`);
  return f ? Number(f[7]) : NaN;
}

/** User + system CPU seconds from a /proc stat file (a process's or one thread's); NaN once it is gone. */
function cpuSecondsOf(path: string): number {
  const f = statFields(path);
  return f ? (Number(f[11]) + Number(f[12])) / 100 : NaN;
}

/** The fields of a /proc stat file after the command name (index 0 is the state); null once the process is gone. */
function statFields(path: string): string[] | null {
  try {
    return readFileSync(path, "utf8").split(") ")[1]!.split(" ");
  } catch {
    return null;
  }
}

/** Seconds a thread has spent runnable but waiting for a core (/proc/.../schedstat). */
function runQueueWait(pid: number, tid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1]) / 1e9;
  } catch {
    return NaN;
  }
}

interface CoreReading {
  at: number;
  cpu: Record<string, number>;
  mainCpu: number;
  mainWait: number;
  /** The service's minor page faults. */
  faults: number;
}

/**
 * Where the machine's cores went between `start()` and `stop()`: the CPU time of each named process,
 * the service's main thread apart from its runtime's own threads (GC, JIT, allocator), and how long
 * that main thread was runnable but waited for a core. Answers whether the service's one thread is
 * the limit, or the cores are.
 */
export class CoreLedger {
  private before: CoreReading | null = null;

  /** `service` is one of the names in `procs`: the process whose main thread is looked at. */
  constructor(private readonly procs: Record<string, number>, private readonly service: string) {}

  private read(): CoreReading {
    const cpu: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.procs)) cpu[name] = procCpuSeconds(pid);
    const pid = this.procs[this.service]!;
    return { at: Date.now(), cpu, mainCpu: cpuSecondsOf(`/proc/${pid}/task/${pid}/stat`), mainWait: runQueueWait(pid, pid), faults: procMinorFaults(pid) };
  }

  start(): void {
    this.before = this.read();
  }

  /**
   * The service's CPU seconds since `start()`, all its threads, and one line for the notes:
   * "over 11.9 s (23.7 s of 2 cores): aggregator 10.7 s (main thread 8.5 s and waited 2.1 s for a core; ...; 70,112 page faults), ...".
   */
  stop(cores = availableParallelism()): CoreUse {
    const a = this.read();
    const b = this.before ?? a;
    const wall = (a.at - b.at) / 1000;
    const used = (name: string) => a.cpu[name]! - b.cpu[name]!;
    const main = a.mainCpu - b.mainCpu;
    const parts = Object.keys(this.procs).map((name) =>
      name === this.service
        ? `${name} ${used(name).toFixed(1)} s (main thread ${main.toFixed(1)} s and waited ${(a.mainWait - b.mainWait).toFixed(1)} s for a core; its other threads ${(used(name) - main).toFixed(1)} s; ${(a.faults - b.faults).toLocaleString("en-US")} page faults)`
        : `${name} ${used(name).toFixed(1)} s`);
    const total = Object.keys(this.procs).reduce((sum, name) => sum + used(name), 0);
    return {
      serviceCpuSeconds: used(this.service),
      line: `over ${wall.toFixed(1)} s (${(wall * cores).toFixed(1)} s of ${cores} cores): ${parts.join(", ")}; together ${total.toFixed(1)} s`,
    };
  }
}

export interface CoreUse {
  serviceCpuSeconds: number;
  line: string;
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the maximum seen. */
export class RssSampler {
  max = 0;
  samples = 0;
  private timer: ReturnType<typeof setInterval>;

  constructor(private readonly pid: number, everyMs = 100) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.sample();
  }

  sample(): void {
    const m = procMemory(this.pid);
    if (m && Number.isFinite(m.rss)) {
      this.max = Math.max(this.max, m.rss);
      this.samples++;
    }
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.max;
  }
}

export const MB = 1024 * 1024;
