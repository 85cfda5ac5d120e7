// Decides which node rows a commit writes: every change but a lastSeen that moved less than NODE_SEEN_STEP_MS.
import type { NodeRecord } from "../core/records.ts";

/**
 * Every message moves its node's lastSeen, so without a step each batch rewrote every node that
 * spoke in it. lastSeen only decides "active" (a 5-minute window by default): after a kill -9 the
 * stored one is at most this much behind; a clean stop writes the latest (`unwritten`).
 * Status, statusAt and place are written at once, so the order-free merge rules hold across restarts.
 */
export const NODE_SEEN_STEP_MS = 10_000;

/**
 * `written` is only a cache of what is on disk: a node missing from it is simply written in full
 * next time. Forgetting it past this size keeps memory bounded however many ids senders invent.
 */
export const WRITTEN_NODES_KEPT = 50_000;

function sameButSeen(a: NodeRecord, b: NodeRecord): boolean {
  return a.firstSeen === b.firstSeen && a.status === b.status && a.statusAt === b.statusAt &&
    a.continent === b.continent && a.location === b.location && a.placeAt === b.placeAt;
}

export class NodeRows {
  /** As last written (committed), by node id. */
  private readonly written = new Map<string, NodeRecord>();
  /** Newer than what is written, only by lastSeen. */
  private readonly latest = new Map<string, NodeRecord>();
  private toWrite: NodeRecord[] = [];
  private deferred: NodeRecord[] = [];

  /** Splits one commit's changed nodes; returns those to write now. */
  select(nodes: readonly NodeRecord[]): NodeRecord[] {
    this.toWrite = [];
    this.deferred = [];
    if (this.latest.size > WRITTEN_NODES_KEPT) {
      // Too many held back (ids that spoke twice and went silent): write them out with this commit.
      const inBatch = new Set(nodes.map((n) => n.nodeId));
      for (const n of this.latest.values()) if (!inBatch.has(n.nodeId)) this.toWrite.push(n);
    }
    for (const n of nodes) {
      const w = this.written.get(n.nodeId);
      if (w && sameButSeen(w, n) && n.lastSeen - w.lastSeen < NODE_SEEN_STEP_MS) this.deferred.push(n);
      else this.toWrite.push(n);
    }
    return this.toWrite;
  }

  committed(): void {
    if (this.written.size + this.toWrite.length > WRITTEN_NODES_KEPT) this.forgetWritten();
    for (const n of this.toWrite) {
      this.written.set(n.nodeId, n);
      this.latest.delete(n.nodeId);
    }
    for (const n of this.deferred) this.latest.set(n.nodeId, n);
    this.toWrite = [];
    this.deferred = [];
  }

  rolledBack(): void {
    this.toWrite = [];
    this.deferred = [];
  }

  /** The newest known state of a node whose newest lastSeen is not written yet. */
  unwrittenNode(nodeId: string): NodeRecord | undefined {
    return this.latest.get(nodeId);
  }

  /** What a clean stop writes; empties the list. */
  takeUnwritten(): NodeRecord[] {
    const out = [...this.latest.values()];
    for (const n of out) this.written.set(n.nodeId, n);
    this.latest.clear();
    return out;
  }

  /** Node rows held in memory (cached as written, or held back): bounded by WRITTEN_NODES_KEPT. */
  get held(): number {
    return this.written.size + this.latest.size;
  }

  /** Drops the cached rows of nodes with nothing held back; held-back ones must stay to be written. */
  private forgetWritten(): void {
    for (const id of this.written.keys()) if (!this.latest.has(id)) this.written.delete(id);
  }
}
