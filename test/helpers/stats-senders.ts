// Records every stats message with the instance named in its Aggregator-Instance header and when it arrived.
import type { ConnectionOptions, NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { networkStatsMessageSchema, type NetworkStatsMessage } from "../../src/protocol/stats-message.ts";
import { STATS_SUBJECT } from "../../src/protocol/subjects.ts";
import { waitFor } from "./wait.ts";

export interface SentStats {
  from: string | null;
  at: number;
  message: NetworkStatsMessage;
}

export class StatsSenders {
  readonly received: SentStats[] = [];

  private constructor(readonly nc: NatsConnection) {}

  /** `servers`: one URL or several (a cluster); the client reconnects to any of them. */
  static async connect(servers: string | string[], opts: Omit<ConnectionOptions, "servers"> = {}): Promise<StatsSenders> {
    const w = new StatsSenders(await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 250, ...opts }));
    w.nc.subscribe(STATS_SUBJECT, {
      callback: (_err, msg) => {
        const parsed = networkStatsMessageSchema.safeParse(msg.json());
        if (!parsed.success) throw new Error(`invalid stats message: ${msg.string()}`);
        w.received.push({ from: msg.headers?.get("Aggregator-Instance") || null, at: Date.now(), message: parsed.data });
      },
    });
    await w.nc.flush();
    return w;
  }

  since(at: number): SentStats[] {
    return this.received.filter((r) => r.at >= at);
  }

  /** The next message (after this call) that satisfies `predicate`. */
  next(predicate: (s: SentStats) => boolean = () => true, timeoutMs = 20_000): Promise<SentStats> {
    const from = this.received.length;
    return waitFor("a matching stats message", () => this.received.slice(from).find(predicate), timeoutMs);
  }

  /** The senders in order, runs of one sender folded: [a, b] is one handover from a to b. */
  static runs(list: SentStats[]): (string | null)[] {
    return list.map((s) => s.from).filter((f, i, all) => i === 0 || f !== all[i - 1]);
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }
}
