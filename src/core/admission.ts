// Decides whether a valid message is let in: clock skew, global and per-node rates, and the cap on new nodeIds.
import type { InboundEvent } from "../protocol/events.ts";
import { TokenBucket } from "./token-bucket.ts";

export interface AdmissionLimits {
  /** Sustained messages per second per nodeId, and the burst above it; 0 turns the limit off. */
  perNodeRate: number;
  perNodeBurst: number;
  /** All nodes together, per second; 0 turns the limit off. */
  globalRate: number;
  /** New nodeIds admitted in any 60 s; ids already known are always admitted. */
  newNodesPerMinute: number;
  /** A sender timestamp further ahead of the arrival time than this is rejected. */
  maxClockSkewMs: number;
  /** ...and one further behind (a replayed backlog is legitimately old, up to a point). */
  maxMessageAgeMs: number;
}

export type Refusal =
  | "timestamp_in_future"
  | "timestamp_too_old"
  | "rate_limited_global"
  | "rate_limited_node"
  | "new_node_refused";

const MINUTE_MS = 60_000;
/** The global bucket lets bursts of this many seconds of its rate through. */
const GLOBAL_BURST_SECONDS = 10;

/**
 * Admission of nodeIds never seen before: at most `cap` in any 60 s. A ring of the
 * last `cap` admission times makes that exact (not "per calendar minute").
 */
class NewNodeCap {
  private readonly times: Float64Array;
  private next = 0;

  constructor(cap: number) {
    this.times = new Float64Array(cap).fill(Number.NEGATIVE_INFINITY);
  }

  tryAdmit(now: number): boolean {
    // The slot about to be overwritten holds the oldest of the last `cap` admissions.
    if (now - this.times[this.next]! < MINUTE_MS) return false;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.times.length;
    return true;
  }
}

export class Admission {
  private readonly perNode = new Map<string, TokenBucket>();
  private readonly global: TokenBucket | null;
  private readonly newNodes: NewNodeCap;
  /** Admitted as new but not yet stored: must not be charged to the cap twice. */
  private readonly admittedUnstored = new Set<string>();

  constructor(private readonly limits: AdmissionLimits, private readonly isKnown: (nodeId: string) => boolean) {
    this.global = limits.globalRate > 0 ? new TokenBucket(limits.globalRate, limits.globalRate * GLOBAL_BURST_SECONDS, 0) : null;
    this.newNodes = new NewNodeCap(limits.newNodesPerMinute);
  }

  check(e: InboundEvent): Refusal | null {
    const l = this.limits;
    if (e.sentAt - e.at > l.maxClockSkewMs) return "timestamp_in_future";
    if (e.at - e.sentAt > l.maxMessageAgeMs) return "timestamp_too_old";
    if (this.global && !this.global.take(e.at)) return "rate_limited_global";
    if (!this.admittedUnstored.has(e.nodeId) && !this.isKnown(e.nodeId)) {
      if (!this.newNodes.tryAdmit(e.at)) return "new_node_refused";
      this.admittedUnstored.add(e.nodeId);
    }
    if (l.perNodeRate > 0) {
      let bucket = this.perNode.get(e.nodeId);
      if (!bucket) {
        bucket = new TokenBucket(l.perNodeRate, l.perNodeBurst, e.at);
        this.perNode.set(e.nodeId, bucket);
      }
      if (!bucket.take(e.at)) return "rate_limited_node";
    }
    return null;
  }

  /** Call after a commit: the nodes admitted so far are now known to storage. */
  stored(): void {
    this.admittedUnstored.clear();
  }

  /** Forgets buckets that have refilled completely, so silent or forged ids leave no state behind. */
  forgetIdle(now: number): void {
    for (const [id, bucket] of this.perNode) if (bucket.isFull(now)) this.perNode.delete(id);
  }

  get trackedNodes(): number {
    return this.perNode.size;
  }
}
