// Chooses how to receive federation messages (INGEST_MODE) on a fresh connection, and says which and why.
import type { NatsConnection } from "@nats-io/nats-core";
import type { Config } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import type { ConnectionState } from "./connection.ts";
import { subscribeCore } from "./core-source.ts";
import type { DeliveryHandler, IngestSource } from "./ingest-source.ts";
import { consumeJetStream, consumerName } from "./jetstream-source.ts";

export async function openIngest(nc: NatsConnection, config: Config, instanceId: string, connection: ConnectionState, handle: DeliveryHandler, log: Logger): Promise<IngestSource> {
  if (config.ingestMode === "core") {
    log.info("ingest mode: core NATS", { why: "INGEST_MODE=core", guarantee: "messages sent while the aggregator is down are lost" });
    return subscribeCore(nc, handle, connection);
  }
  try {
    const source = await consumeJetStream(nc, config.jetstream, instanceId, handle, log);
    log.info("ingest mode: JetStream", {
      why: `INGEST_MODE=${config.ingestMode}`, stream: config.jetstream.stream, consumer: consumerName(config.jetstream, instanceId),
      guarantee: "acked after commit; nothing lost across restarts",
    });
    return source;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    // An explicit jetstream choice must not quietly degrade; the caller retries the connection.
    if (config.ingestMode === "jetstream") throw new Error(`INGEST_MODE=jetstream but JetStream cannot be used: ${why}`);
    log.warn("ingest mode: core NATS", { why: `JetStream unavailable: ${why}`, guarantee: "messages sent while the aggregator is down are lost" });
    return subscribeCore(nc, handle, connection);
  }
}
