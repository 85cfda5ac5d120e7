// The leader lease: acquired with a KV create, renewed with a compare-and-swap update, trusted only until a local monotonic deadline.
import type { KV, KvEntry } from "@nats-io/kv";
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "../log/logger.ts";
import { LEASE_BUCKET, LEASE_KEY, openLeaseBucket } from "./lease-bucket.ts";

export interface ElectionOptions {
  instanceId: string;
  leaseMs: number;
  replicas: number;
  log: Logger;
  /** Called when this instance has just become the leader (publish at once: the federation is waiting). */
  onLeader?: () => void;
}

/** What the lease key holds: who, and which process of that instance (two processes may share an id by mistake). */
interface LeaseValue {
  instance: string;
  nonce: string;
  host: string;
  pid: number;
  acquiredAt: string;
}

function parseValue(e: KvEntry | null): LeaseValue | null {
  if (!e || e.operation !== "PUT") return null;
  try {
    return e.json<LeaseValue>();
  } catch {
    return null;
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isWrongSequence(err: unknown): boolean {
  return (err as { code?: number })?.code === 10071 || /wrong last sequence/i.test(reason(err));
}

/**
 * One instance's side of the election. Safety does not rest on the KV reads: a lease written at
 * local time t (taken before the request is sent, so before the server stamps it) cannot expire on
 * the server before t + lease, and this instance trusts it only until t + lease - margin. A leader
 * that cannot renew therefore stops publishing before anyone else can have taken over.
 */
export class LeaderElection {
  role: "leader" | "standby" = "standby";
  /** The holder seen at the last read or write; null when the lease is free or unknown. */
  holder: string | null = null;
  lastError: string | null = null;

  private nc: NatsConnection | null = null;
  private releases: Subscription | null = null;
  private kv: KV | null = null;
  private leaseMs: number;
  private revision = 0;
  private trustedUntil = 0;
  private readonly nonce = randomBytes(6).toString("hex");
  private acquiredAt = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private stepping: Promise<void> | null = null;
  private again = false;
  private warnedTwin = false;

  constructor(private readonly o: ElectionOptions) {
    this.leaseMs = o.leaseMs;
  }

  /** Renewals come four times a lease: three may fail before the margin runs out. */
  private get renewEveryMs(): number {
    return Math.max(100, Math.floor(this.leaseMs / 4));
  }

  /** Standbys look for a free lease eight times a lease (at most each second): a released lease passes quickly. */
  private get pollEveryMs(): number {
    return Math.min(1000, Math.max(100, Math.floor(this.leaseMs / 8)));
  }

  /** Covers clock-rate differences, a NATS server clock running ahead, and a publish in flight. */
  private get marginMs(): number {
    return Math.max(200, Math.floor(this.leaseMs / 5));
  }

  private get opTimeoutMs(): number {
    return Math.max(200, Math.min(2000, Math.floor(this.leaseMs / 4)));
  }

  /** True only while this instance leads and its lease is certainly still unexpired. Synchronous: checked right before a send. */
  mayPublish(): boolean {
    return this.role === "leader" && performance.now() < this.trustedUntil;
  }

  /** Binds the election to a fresh connection and takes part from now on. */
  async attach(nc: NatsConnection): Promise<void> {
    this.nc = nc;
    this.kv = null;
    this.running = true;
    this.watchReleases(nc);
    await this.openBucket();
    this.schedule(0);
  }

  /**
   * A plain subscription to the lease key's subject: a release (a KV delete) reaches the standbys at
   * once, instead of at their next look. Expiry sends nothing, so the looks stay.
   */
  private watchReleases(nc: NatsConnection): void {
    this.releases?.unsubscribe();
    this.releases = nc.subscribe(`$KV.${LEASE_BUCKET}.${LEASE_KEY}`, {
      callback: (err, msg) => {
        if (err || this.role === "leader" || !this.running) return;
        const op = msg.headers?.get("KV-Operation");
        if (op === "DEL" || op === "PURGE") this.schedule(0);
      },
    });
  }

  /** Opens the bucket on the current connection; until it opens, this instance stays a standby and tries again. */
  private async openBucket(): Promise<void> {
    if (!this.nc) return;
    try {
      const bucket = await openLeaseBucket(this.nc, { leaseMs: this.o.leaseMs, replicas: this.o.replicas, timeoutMs: this.opTimeoutMs }, this.o.log);
      this.kv = bucket.kv;
      this.leaseMs = bucket.leaseMs;
      this.lastError = null;
    } catch (err) {
      const error = `lease bucket ${LEASE_BUCKET}: ${reason(err)}`;
      // One line per distinct failure, not one per retry.
      if (error !== this.lastError) this.o.log.error("cannot use the leader-lease bucket; this instance will not publish until it can", { bucket: LEASE_BUCKET, error: reason(err) });
      this.lastError = error;
    }
  }

  /** Before a publish: the lease still names this process on the server. An unreadable lease leaves the decision to the local deadline. */
  async confirm(): Promise<boolean> {
    if (this.role !== "leader" || !this.kv) return false;
    try {
      const value = parseValue(await this.kv.get(LEASE_KEY));
      if (value?.instance === this.o.instanceId && value.nonce === this.nonce) return this.mayPublish();
      this.holder = value?.instance ?? null;
      this.stepDown(value ? `the lease is now held by ${value.instance}` : "the lease is gone from the server");
      return false;
    } catch {
      return this.mayPublish();
    }
  }

  /** A clean stop: give the lease back at once so a standby takes over within its next look. */
  async release(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.stepping?.catch(() => undefined);
    if (this.role !== "leader" || !this.kv) return;
    const revision = this.revision;
    this.stepDown("shutting down: lease released");
    try {
      // Only our own revision: never delete a lease someone else has taken meanwhile.
      await this.kv.delete(LEASE_KEY, { previousSeq: revision });
    } catch (err) {
      this.o.log.warn("could not release the lease; it expires by itself", { bucket: LEASE_BUCKET, afterMs: this.leaseMs, error: reason(err) });
    }
  }

  stop(): void {
    this.running = false;
    this.releases?.unsubscribe();
    this.releases = null;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // One step at a time: a release heard mid-step is looked at right after it.
      if (this.stepping) {
        this.again = true;
        return;
      }
      this.stepping = this.step().finally(() => {
        this.stepping = null;
        const soon = this.again;
        this.again = false;
        if (this.running) this.schedule(soon ? 0 : this.role === "leader" ? this.renewEveryMs : this.pollEveryMs);
      });
    }, ms);
  }

  private value(): string {
    const v: LeaseValue = { instance: this.o.instanceId, nonce: this.nonce, host: hostname(), pid: process.pid, acquiredAt: this.acquiredAt };
    return JSON.stringify(v);
  }

  private async step(): Promise<void> {
    if (!this.kv) await this.openBucket();
    const kv = this.kv;
    if (!kv) return;
    try {
      if (this.role === "leader") await this.renew(kv);
      else await this.tryAcquire(kv);
    } catch (err) {
      // Unreachable or slow server: a leader keeps its lease until the local deadline, a standby waits.
      this.lastError = `lease: ${reason(err)}`;
      // A bucket removed by hand is created again at the next step.
      if (/stream not found/i.test(reason(err))) this.kv = null;
    }
  }

  private async renew(kv: KV): Promise<void> {
    const sentAt = performance.now();
    try {
      this.revision = await kv.update(LEASE_KEY, this.value(), this.revision, this.opTimeoutMs);
      this.lastError = null;
      // Released or timed out while the update was on its way: a late answer makes it ours again only through tryAcquire.
      if (this.role !== "leader") return;
      this.trust(sentAt);
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
      const entry = await kv.get(LEASE_KEY).catch(() => null);
      const value = parseValue(entry);
      if (value?.instance === this.o.instanceId && value.nonce === this.nonce) {
        // Our own earlier renewal went through but its answer was lost: carry on from its revision.
        const again = performance.now();
        this.revision = await kv.update(LEASE_KEY, this.value(), entry!.revision, this.opTimeoutMs);
        this.trust(again);
        return;
      }
      // Someone else wrote the key, or it expired: either way it is no longer ours.
      this.holder = value?.instance ?? null;
      this.stepDown(value ? `the lease was taken over by ${value.instance}` : "the lease expired before it could be renewed");
    }
  }

  private async tryAcquire(kv: KV): Promise<void> {
    const entry = await kv.get(LEASE_KEY);
    const value = parseValue(entry);
    this.lastError = null;
    if (value && value.instance === this.o.instanceId && value.nonce === this.nonce) {
      // Still ours on the server (contact was lost, not the lease): pick it up again where it is.
      const sentAt = performance.now();
      this.revision = await kv.update(LEASE_KEY, this.value(), entry!.revision, this.opTimeoutMs);
      this.trust(sentAt);
      this.changeRole("leader", "renewed its own lease after losing contact");
      this.o.onLeader?.();
      return;
    }
    if (value) {
      this.holder = value.instance;
      if (value.instance === this.o.instanceId && !this.warnedTwin) {
        this.warnedTwin = true;
        this.o.log.error("another process holds the lease under this instance's id: give each instance its own database or INSTANCE_ID", { instance: this.o.instanceId, otherHost: value.host, otherPid: value.pid });
      }
      return;
    }
    const previous = this.holder;
    const why = entry && entry.operation !== "PUT" ? `${previous ?? "the leader"} released the lease`
      : previous ? `the lease of ${previous} expired` : "the lease was free";
    const sentAt = performance.now();
    this.acquiredAt = new Date().toISOString();
    try {
      this.revision = await kv.create(LEASE_KEY, this.value());
    } catch (err) {
      if (isWrongSequence(err)) return; // another standby was quicker
      throw err;
    }
    this.holder = this.o.instanceId;
    this.trust(sentAt);
    this.changeRole("leader", why);
    this.o.onLeader?.();
  }

  private trust(sentAt: number): void {
    this.trustedUntil = sentAt + this.leaseMs - this.marginMs;
    if (this.deadline) clearTimeout(this.deadline);
    // Say so when the deadline passes without a renewal; publishing already stops by mayPublish().
    this.deadline = setTimeout(() => {
      if (this.role === "leader" && performance.now() >= this.trustedUntil) this.stepDown("could not renew the lease in time");
    }, Math.max(0, this.trustedUntil - performance.now()) + 1);
  }

  private stepDown(why: string): void {
    if (this.role !== "leader") return;
    this.trustedUntil = 0;
    this.revision = 0;
    if (this.deadline) clearTimeout(this.deadline);
    this.changeRole("standby", why);
    if (this.running) this.schedule(this.pollEveryMs);
  }

  private changeRole(to: "leader" | "standby", why: string): void {
    const from = this.role;
    this.role = to;
    this.o.log.info(`role: ${to}`, { from, why, instance: this.o.instanceId, bucket: LEASE_BUCKET, leaseMs: this.leaseMs });
  }
}
