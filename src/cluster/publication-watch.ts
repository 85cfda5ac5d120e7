// Watches truebit.stats.aggregated for messages from other instances: a standby is healthy while someone publishes.
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import type { Logger } from "../log/logger.ts";
import { STATS_SUBJECT } from "../protocol/subjects.ts";

/** The NATS header naming the instance that sent a stats message. */
export const INSTANCE_HEADER = "Aggregator-Instance";

export class PublicationWatch {
  /** When another instance's stats message last arrived (local time), and whose it was. */
  lastSeenAt: number | null = null;
  lastSeenFrom: string | null = null;
  private sub: Subscription | null = null;
  private lastWarnAt = 0;

  constructor(private readonly instanceId: string, private readonly log: Logger, private readonly leading: () => boolean) {}

  /** Subscribes on a fresh connection (the client keeps the subscription across its own reconnects). */
  attach(nc: NatsConnection): void {
    this.sub = nc.subscribe(STATS_SUBJECT, {
      callback: (err, msg) => {
        if (err) return;
        const from = msg.headers?.get(INSTANCE_HEADER) || "(no instance header)";
        if (from === this.instanceId) return;
        const now = Date.now();
        this.lastSeenAt = now;
        this.lastSeenFrom = from;
        // Two voices on the subject: an old build, a core-mode copy, or a second cluster. Say so once a minute.
        if (this.leading() && now - this.lastWarnAt > 60_000) {
          this.lastWarnAt = now;
          this.log.warn("another instance published stats while this one leads", { other: from, instance: this.instanceId });
        }
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = null;
  }
}
