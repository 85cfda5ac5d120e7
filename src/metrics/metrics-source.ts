// What the metrics and the dashboard read from the running service at request time; nothing here holds configuration or secrets.
import type { Role } from "../cluster/role.ts";
import type { IngestCounts } from "../core/ingest-metrics.ts";
import type { NetworkStatsMessage } from "../protocol/stats-message.ts";

export interface ServiceIdentity {
  role: Role;
  instanceId: string;
}

export interface ServiceSnapshot {
  ingest: IngestCounts;
  mode: "core" | "jetstream" | null;
  /** Valid messages held for the next commit. */
  waiting: number;
  /** JetStream: messages in the stream not yet delivered plus delivered but unacked; null in core mode or before the first status. */
  consumerPending: number | null;
  dropped: number;
  redelivered: number;
  natsConnected: boolean;
  storageWritable: boolean;
  lastPublishAt: number | null;
  identity: ServiceIdentity;
}

export interface MetricsSource {
  snapshot(): ServiceSnapshot;
  lastStats(): NetworkStatsMessage | null;
}
