// Summarises a V8/JSC .cpuprofile (from `bun --cpu-prof`) of the aggregator into where the time goes:
// each sample is charged to a category by its stack (zod, SQLite, JSON, NATS client, core, ...).
//
//   bun bench/profile-summary.ts <file.cpuprofile>
import { readFileSync } from "node:fs";
import { table } from "./lib/result.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Category {
  name: string;
  /** Estimated: this category's share of the samples times the profile's duration. */
  ms: number;
  share: number;
}

/** Ordered rules: the first that matches a sample's stack (leaf first) names its category. */
function categorise(stack: CallFrame[]): string {
  const leaf = stack[0]!;
  const files = stack.map((f) => f.url);
  const has = (part: string) => files.some((u) => u.includes(part));
  const firstJs = stack.find((f) => f.url && !f.url.startsWith("[")) ?? leaf;
  if (leaf.functionName === "(garbage collector)") return "garbage collection";
  if (leaf.functionName === "(idle)" || leaf.functionName === "(program)") return "idle / runtime";
  if (has("/zod/")) return "zod validation (decode.ts -> schemas)";
  if (firstJs.url.includes("sqlite-driver.ts") || firstJs.url.startsWith("bun:sqlite")) {
    const inStore = (name: RegExp) => stack.some((f) => (f.url.includes("aggregator-store.ts") || f.url.includes("keyed-rows.ts")) && name.test(f.functionName));
    if (inStore(/^(task|invoice|node|find)$/) && !inStore(/^write$/)) return "SQLite point lookups by rowid (store.task/invoice/node)";
    if (stack.some((f) => f.functionName === "transaction" && f.url.includes("sqlite-driver.ts")) && stack.some((f) => f.functionName === "exec")) {
      return "SQLite BEGIN/COMMIT (WAL write + sync, checkpoints)";
    }
    if (inStore(/^(write|putNodes|writeLog)$/)) return "SQLite row writes (appends, in-place updates, nodes, counters, key log)";
    return "SQLite other (history, prune, restore)";
  }
  if (firstJs.url.includes("decode.ts")) {
    if (leaf.functionName === "parse") return "JSON.parse";
    if (leaf.functionName === "decode") return "TextDecoder (UTF-8)";
    return "decode.ts own code (event objects, checks)";
  }
  if (has("/@nats-io/")) {
    if (has("/src/")) {
      // Under the NATS callback but in our code: charge to the innermost src file.
      const src = stack.find((f) => f.url.includes("/src/"))!;
      return `src ${src.url.replace(/.*\/src\//, "")}`;
    }
    return "NATS client (protocol parser, message objects, socket)";
  }
  if (has("/hono/") || files.some((u) => u.includes("/http/"))) return "HTTP (/metrics polling)";
  const src = stack.find((f) => f.url.includes("/src/"));
  if (src) return `src ${src.url.replace(/.*\/src\//, "")}`;
  if (firstJs.url.includes("node_modules")) return `module ${firstJs.url.replace(/.*node_modules\//, "").split("/").slice(0, 2).join("/")}`;
  return `other (${leaf.functionName || "anonymous"} ${leaf.url})`;
}

export function summariseProfile(path: string): { totalMs: number; categories: Category[] } {
  const p = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = new Map<number, CallFrame[]>();
  const stack = (id: number): CallFrame[] => {
    let s = stackOf.get(id);
    if (!s) {
      s = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) s.push(byId.get(cur)!.callFrame);
      stackOf.set(id, s);
    }
    return s;
  };
  // Count samples, not time deltas: on a busy 2-core machine the sampler is sometimes late, and a
  // late sample would otherwise be charged the whole gap.
  const counts = new Map<string, number>();
  for (const id of p.samples) {
    const cat = categorise(stack(id));
    counts.set(cat, (counts.get(cat) ?? 0) + 1);
  }
  const n = p.samples.length;
  const msPerSample = (p.endTime - p.startTime) / 1000 / Math.max(1, n);
  const categories = [...counts].map(([name, c]) => ({ name, ms: c * msPerSample, share: c / n })).sort((a, b) => b.ms - a.ms);
  return { totalMs: (p.endTime - p.startTime) / 1000, categories };
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: bun bench/profile-summary.ts <file.cpuprofile>");
    process.exit(2);
  }
  const { totalMs, categories } = summariseProfile(file);
  console.log(`profile ${file}: ${totalMs.toFixed(0)} ms sampled`);
  console.log(table([["category", "ms", "share"], ...categories.map((c) => [c.name, c.ms.toFixed(0), `${(c.share * 100).toFixed(1)}%`])]));
}
