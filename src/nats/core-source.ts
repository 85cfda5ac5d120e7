// Core-NATS subscriptions to every inbound subject: fast, but whatever is sent while we are away is gone.
import type { NatsConnection } from "@nats-io/nats-core";
import { INBOUND_SUBJECTS } from "../protocol/subjects.ts";
import type { DeliveryHandler, IngestSource, IngestStatus } from "./ingest-source.ts";

export interface DisconnectLedger {
  disconnects: number;
  disconnectedMs: number;
}

export function subscribeCore(nc: NatsConnection, handle: DeliveryHandler, ledger: DisconnectLedger): IngestSource {
  const subs = Object.keys(INBOUND_SUBJECTS).map((subject) =>
    nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return; // permission errors surface on the connection's status stream
        // An exact subject, no wildcard: the subscription's own string, instead of decoding msg.subject's bytes for each message.
        handle(subject, msg.data, Date.now());
      },
    }));
  return {
    mode: "core",
    status: async (): Promise<IngestStatus> => ({ mode: "core", disconnects: ledger.disconnects, disconnectedMs: ledger.disconnectedMs }),
    async stop() {
      // Drain hands over what the server already sent, then unsubscribes.
      await Promise.all(subs.map((s) => (s.isClosed() ? undefined : s.drain().catch(() => undefined))));
    },
  };
}
