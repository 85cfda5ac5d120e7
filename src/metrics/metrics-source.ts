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
  /** Full collections the heap trim asked for between batches, and their time. */
  heapTrims: { count: number; seconds: number };
  youngCollections: { count: number; seconds: number };
  natsConnected: boolean;
  storageWritable: boolean;
  /** This instance's own last publish (a standby's stays null). */
  lastPublishAt: number | null;
  /** The last publish this instance knows of: its own, or as a standby the leader's. */
  lastPublishSeenAt: number | null;
  /** Why publishing looks unhealthy from here; [] when it is fine (the readiness rule). */
  publishReasons: string[];
  identity: ServiceIdentity;
}

export interface MetricsSource {
  snapshot(): ServiceSnapshot;
  lastStats(): NetworkStatsMessage | null;
}
