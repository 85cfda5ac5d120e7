// The JetStream KV bucket that holds the leader lease: created when missing, its max age being the lease's length.
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../log/logger.ts";

/** One bucket for every aggregator on the account: they all publish on the same subject, so one of them may. */
export const LEASE_BUCKET = "truebit_aggregator_leader";
export const LEASE_KEY = "stats_publisher";

class LeaseBucketUnusable extends Error {
  override name = "LeaseBucketUnusable";
}

export interface LeaseBucket {
  kv: KV;
  /** The bucket's max age: how long after its last write a lease is gone, whatever this instance was told. */
  leaseMs: number;
}

export interface LeaseBucketOptions {
  leaseMs: number;
  replicas: number;
  /** Per-request timeout of the lease's KV operations (creating the bucket gets longer: a replicated stream takes a while). */
  timeoutMs: number;
}

const CREATE_TIMEOUT_MS = 10_000;

/**
 * Opens the bucket, creating it with max age = the lease when it is missing. The server expires the
 * key by itself that long after its last write (2.9 has no per-key TTL; the bucket holds this one key).
 */
export async function openLeaseBucket(nc: NatsConnection, o: LeaseBucketOptions, log: Logger): Promise<LeaseBucket> {
  // Reads go to the stream leader (no direct get), so a lagging replica never shows an old holder.
  const created = await new Kvm(jetstream(nc, { timeout: CREATE_TIMEOUT_MS })).create(LEASE_BUCKET, { history: 1, ttl: o.leaseMs, replicas: o.replicas, allow_direct: false });
  const status = await created.status();
  const kv = await new Kvm(jetstream(nc, { timeout: o.timeoutMs })).open(LEASE_BUCKET, { allow_direct: false });
  const leaseMs = status.ttl;
  if (!(leaseMs > 0)) {
    throw new LeaseBucketUnusable(`KV bucket ${LEASE_BUCKET} exists without a max age, so a dead leader's lease would never expire; delete it (nats kv rm ${LEASE_BUCKET}) and the service recreates it`);
  }
  if (leaseMs !== o.leaseMs) {
    // The server expires by the bucket's age: trusting our own figure instead could outlive the lease.
    log.warn("lease bucket exists with another lease length; using the bucket's", { bucket: LEASE_BUCKET, bucketLeaseMs: leaseMs, LEADER_LEASE_MS: o.leaseMs });
  }
  return { kv, leaseMs };
}
