// Core-NATS subscriptions to every inbound subject, handing each raw message to one callback.
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { INBOUND_SUBJECTS } from "../protocol/subjects.ts";

export type RawMessageHandler = (subject: string, payload: Uint8Array, receivedAt: number) => void;

export function subscribeInbound(nc: NatsConnection, handle: RawMessageHandler): Subscription[] {
  return Object.keys(INBOUND_SUBJECTS).map((subject) =>
    nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return; // subscription-level errors (permissions) surface on the connection's status
        handle(msg.subject, msg.data, Date.now());
      },
    }));
}
