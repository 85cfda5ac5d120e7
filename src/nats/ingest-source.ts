// What every way of receiving federation messages offers the service: deliveries in, a status, and a clean stop.

/** Called once a message's effect is committed (JetStream acks here); absent for core NATS. */
export type Ack = () => void;

/** `seq` is JetStream's stream sequence: the same for every redelivery of one message. */
export type DeliveryHandler = (subject: string, payload: Uint8Array, arrivedAt: number, ack?: Ack, seq?: number) => void;

export interface IngestStatus {
  mode: "core" | "jetstream";
  /** JetStream: this instance's durable consumer. */
  consumer?: string;
  /** JetStream: messages in the stream not yet delivered to us, plus delivered but not yet acked. */
  pending?: number;
  lastAckedSeq?: number;
  /** Core: time spent disconnected, during which publishes to us were lost. */
  disconnects?: number;
  disconnectedMs?: number;
}

export interface IngestSource {
  readonly mode: "core" | "jetstream";
  /** Refreshes and returns the status (JetStream asks the server for the consumer's backlog). */
  status(): Promise<IngestStatus>;
  /** Stops taking new messages; deliveries already received have been handed over when it resolves. */
  stop(): Promise<void>;
}
