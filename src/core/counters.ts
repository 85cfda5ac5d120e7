// Lifetime counters grouped by family (totals and each distribution), with signed deltas.

export const COUNTER_FAMILIES = ["total", "executionTime", "gasUsage", "stepsComputed", "memoryUsed", "chain", "taskType"] as const;
export type CounterFamily = (typeof COUNTER_FAMILIES)[number];

/** Keys of the "total" family. */
export type TotalKey = "tasks" | "completed" | "failed" | "cached" | "invoices" | "nodes";

export type Contribution = readonly [CounterFamily, string];

/** A set of named counters; used both for lifetime totals and for the signed change of one batch. */
export class CounterSet {
  private readonly families = new Map<CounterFamily, Map<string, number>>(
    COUNTER_FAMILIES.map((f) => [f, new Map<string, number>()]),
  );

  add(family: CounterFamily, key: string, n: number): void {
    if (n === 0) return;
    const m = this.families.get(family)!;
    const next = (m.get(key) ?? 0) + n;
    if (next === 0) m.delete(key);
    else m.set(key, next);
  }

  addAll(contributions: readonly Contribution[], sign: 1 | -1): void {
    for (const [family, key] of contributions) this.add(family, key, sign);
  }

  get(family: CounterFamily, key: string): number {
    return this.families.get(family)!.get(key) ?? 0;
  }

  total(key: TotalKey): number {
    return this.get("total", key);
  }

  /** Positive entries of one family as a plain object, the shape the stats message publishes. */
  distribution(family: CounterFamily): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.families.get(family)!) if (v > 0) out[k] = v;
    return out;
  }

  merge(delta: CounterSet): void {
    for (const [family, key, n] of delta.entries()) this.add(family, key, n);
  }

  *entries(): IterableIterator<[CounterFamily, string, number]> {
    for (const [family, m] of this.families) for (const [k, v] of m) yield [family, k, v];
  }

  isEmpty(): boolean {
    for (const m of this.families.values()) if (m.size > 0) return false;
    return true;
  }
}
