// The in-memory aggregate: lifetime counters, 24-hour windows and known nodes; changed only by committed batches.
import type { BatchEffect } from "./batch.ts";
import { CounterSet } from "./counters.ts";
import { FirstSeenWindow } from "./first-seen-window.ts";
import type { NodeRecord } from "./records.ts";

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface RestoredState {
  counters: CounterSet;
  nodes: Iterable<NodeRecord>;
  /** Per-second first-seen counts of the last 24 hours, as stored. */
  taskSeconds: Iterable<readonly [second: number, count: number]>;
  invoiceSeconds: Iterable<readonly [second: number, count: number]>;
}

export class NetworkState {
  readonly counters: CounterSet;
  readonly nodes = new Map<string, NodeRecord>();
  readonly taskWindow: FirstSeenWindow;
  readonly invoiceWindow: FirstSeenWindow;

  constructor(restored?: RestoredState, recentWindowMs = DAY_MS) {
    this.taskWindow = new FirstSeenWindow(recentWindowMs);
    this.invoiceWindow = new FirstSeenWindow(recentWindowMs);
    this.counters = restored?.counters ?? new CounterSet();
    if (!restored) return;
    for (const n of restored.nodes) this.nodes.set(n.nodeId, n);
    for (const [s, c] of restored.taskSeconds) this.taskWindow.add(s * 1000, c);
    for (const [s, c] of restored.invoiceSeconds) this.invoiceWindow.add(s * 1000, c);
  }

  /**
   * Drops nodes silent for longer than the active window from memory: they are
   * not active, and storage still knows them (totalNodes stays exact).
   */
  evictSilent(now: number, activeWindowMs: number): number {
    let evicted = 0;
    for (const [id, n] of this.nodes) {
      if (n.lastSeen <= now - activeWindowMs) {
        this.nodes.delete(id);
        evicted++;
      }
    }
    return evicted;
  }

  /** Applies a batch's effect; call only after storage has committed it. */
  apply(effect: BatchEffect): void {
    this.counters.merge(effect.counters);
    for (const n of effect.nodes) this.nodes.set(n.nodeId, n);
    for (const w of effect.windows) {
      const window = w.window === "tasks" ? this.taskWindow : this.invoiceWindow;
      if (w.remove !== undefined) window.remove(w.remove);
      if (w.add !== undefined) window.add(w.add);
    }
  }
}
