// Counts what happened to inbound messages, per summary interval and since start.

export interface IngestCounts {
  received: number;
  accepted: number;
  duplicates: number;
  invalid: number;
  invalidByReason: Record<string, number>;
  /** Valid messages refused by a limit (rate, new-node cap, clock skew). */
  rejected: number;
  rejectedByReason: Record<string, number>;
  unknownVersions: number;
  /** The most expensive single message to validate, in milliseconds. */
  slowestMessageMs: number;
}

function emptyCounts(): IngestCounts {
  return { received: 0, accepted: 0, duplicates: 0, invalid: 0, invalidByReason: {}, rejected: 0, rejectedByReason: {}, unknownVersions: 0, slowestMessageMs: 0 };
}

export class IngestMetrics {
  private lifetime = emptyCounts();
  private interval = emptyCounts();

  received(n = 1): void {
    this.lifetime.received += n;
    this.interval.received += n;
  }

  invalid(reason: string): void {
    for (const c of [this.lifetime, this.interval]) {
      c.invalid++;
      c.invalidByReason[reason] = (c.invalidByReason[reason] ?? 0) + 1;
    }
  }

  rejected(reason: string): void {
    for (const c of [this.lifetime, this.interval]) {
      c.rejected++;
      c.rejectedByReason[reason] = (c.rejectedByReason[reason] ?? 0) + 1;
    }
  }

  validationTook(ms: number): void {
    if (ms > this.lifetime.slowestMessageMs) this.lifetime.slowestMessageMs = ms;
    if (ms > this.interval.slowestMessageMs) this.interval.slowestMessageMs = ms;
  }

  unknownVersion(): void {
    this.lifetime.unknownVersions++;
    this.interval.unknownVersions++;
  }

  committed(accepted: number, duplicates: number): void {
    for (const c of [this.lifetime, this.interval]) {
      c.accepted += accepted;
      c.duplicates += duplicates;
    }
  }

  total(): IngestCounts {
    return structuredClone(this.lifetime);
  }

  /** Returns the counts since the previous call and starts a new interval. */
  takeInterval(): IngestCounts {
    const out = this.interval;
    this.interval = emptyCounts();
    return out;
  }
}
