// A test-side NATS client: publishes monitor traffic and watches the published stats; useFederation pairs it with a nats-server.
import { afterAll, beforeAll } from "bun:test";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { networkStatsMessageSchema, type NetworkStatsMessage } from "../../src/protocol/stats-message.ts";
import { STATS_SUBJECT } from "../../src/protocol/subjects.ts";
import type { OutboundMessage } from "../../src/simulation/monitor-messages.ts";
import { TestNatsServer, type NatsServerOptions } from "./nats-server.ts";
import { waitFor } from "./wait.ts";

export class FederationClient {
  /** Every stats message received, validated against the published schema. */
  readonly stats: NetworkStatsMessage[] = [];
  readonly invalidStats: unknown[] = [];

  private constructor(readonly nc: NatsConnection) {}

  static async connect(url: string): Promise<FederationClient> {
    const client = new FederationClient(await connect({ servers: url }));
    client.nc.subscribe(STATS_SUBJECT, {
      callback: (_err, msg) => {
        const parsed = networkStatsMessageSchema.safeParse(msg.json());
        if (parsed.success) client.stats.push(parsed.data);
        else client.invalidStats.push(msg.json());
      },
    });
    await client.nc.flush();
    return client;
  }

  async publish(messages: Iterable<OutboundMessage>): Promise<number> {
    let n = 0;
    for (const m of messages) {
      this.nc.publish(m.subject, m.payload);
      n++;
    }
    await this.nc.flush();
    return n;
  }

  publishRaw(subject: string, payload: string | Uint8Array): void {
    this.nc.publish(subject, payload);
  }

  get latest(): NetworkStatsMessage | undefined {
    return this.stats.at(-1);
  }

  /** Waits for a stats message published after this call that satisfies `predicate`. */
  async nextStats(predicate: (m: NetworkStatsMessage) => boolean = () => true, timeoutMs = 15_000): Promise<NetworkStatsMessage> {
    const from = this.stats.length;
    return waitFor("a matching stats message", () => this.stats.slice(from).find(predicate), timeoutMs);
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

/** A nats-server and a federation client for the tests of one file or describe block: started before them, stopped after. */
export interface TestFederation {
  readonly nats: TestNatsServer;
  readonly client: FederationClient;
}

export function useFederation(opts: NatsServerOptions = {}): TestFederation {
  const f = {} as { nats: TestNatsServer; client: FederationClient };
  beforeAll(async () => {
    f.nats = await TestNatsServer.start(opts);
    f.client = await FederationClient.connect(f.nats.url);
  });
  afterAll(async () => {
    await f.client?.close();
    await f.nats?.dispose();
  });
  return f;
}
