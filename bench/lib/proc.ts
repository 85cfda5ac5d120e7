// Memory and CPU time of a process by PID, from /proc/<pid>/status and /proc/<pid>/stat (Linux).
import { readdirSync, readFileSync } from "node:fs";

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
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds so far per thread name (/proc/<pid>/task/<tid>/comm), threads of one name summed: shows
 * how much of a process's CPU is its main thread and how much the runtime's helpers (GC, I/O pools).
 */
export function procThreadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = tid === String(pid) ? "(main thread)" : readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const f = stat.split(") ")[1]!.split(" ");
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
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
