// This instance's part in publishing: elected through the lease in JetStream mode, alone ("single") in core mode.
import { headers, type MsgHdrs, type NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../log/logger.ts";
import { LeaderElection } from "./leader-election.ts";
import { INSTANCE_HEADER, PublicationWatch } from "./publication-watch.ts";
import type { Role, RoleStatus } from "./role.ts";

export interface ClusterRoleOptions {
  instanceId: string;
  leaseMs: number;
  replicas: number;
  publishIntervalMs: number;
  /** INGEST_MODE=core: there will be no election at all. */
  coreOnly: boolean;
  log: Logger;
  /** Publish now: called when this instance has just become the leader. */
  onLeader: () => void;
}

export class ClusterRole {
  private readonly election: LeaderElection;
  private readonly watch: PublicationWatch;
  private single: boolean;
  private warnedSingle = false;
  /** Every stats message names its sender. */
  readonly headers: MsgHdrs;

  constructor(private readonly o: ClusterRoleOptions) {
    this.election = new LeaderElection({ instanceId: o.instanceId, leaseMs: o.leaseMs, replicas: o.replicas, log: o.log, onLeader: o.onLeader });
    this.watch = new PublicationWatch(o.instanceId, o.log, () => this.role === "leader");
    this.headers = headers();
    this.headers.set(INSTANCE_HEADER, o.instanceId);
    this.single = o.coreOnly;
  }

  get role(): Role {
    return this.single ? "single" : this.election.role;
  }

  status(): RoleStatus {
    const leader = this.single ? this.o.instanceId : this.election.role === "leader" ? this.o.instanceId : this.election.holder ?? this.watch.lastSeenFrom;
    return { role: this.role, instance: this.o.instanceId, leader };
  }

  /** On every fresh connection, once the ingest mode is known: JetStream elects, core NATS cannot. */
  async attach(nc: NatsConnection, mode: "core" | "jetstream"): Promise<void> {
    this.watch.stop();
    if (mode === "core") {
      this.election.stop();
      this.single = true;
      if (!this.warnedSingle) {
        this.warnedSingle = true;
        this.o.log.warn("role: single (core NATS has no leader election): run only one instance against this broker", { instance: this.o.instanceId });
      }
      return;
    }
    this.single = false;
    // Only with an election: core deployments keep the permissions they had.
    this.watch.attach(nc);
    await this.election.attach(nc);
  }

  /** Synchronous gate right before a send: true to send, "withheld" when it is not ours to send. */
  gate(): true | "withheld" {
    return this.single || this.election.mayPublish() ? true : "withheld";
  }

  /** Before each interval's publish: a leader checks on the server that the lease still names it. */
  async beforePublish(): Promise<void> {
    if (!this.single && this.election.role === "leader") await this.election.confirm();
  }

  /**
   * Why publishing looks unhealthy from here ([] when it is fine). A publisher answers for its own
   * last publish; a standby for someone else's, within a window that spans a failover (a lease and
   * an interval), so standbys stay healthy while the lease passes.
   */
  publishReasons(now: number, lastPublishedAt: number | null): string[] {
    if (this.role !== "standby") {
      if (lastPublishedAt === null) return ["nothing published yet"];
      if (now - lastPublishedAt > 2 * this.o.publishIntervalMs) return ["last publish is older than two intervals"];
      return [];
    }
    const reasons: string[] = [];
    if (this.election.lastError) reasons.push(this.election.lastError);
    const window = Math.max(2 * this.o.publishIntervalMs, this.o.leaseMs + this.o.publishIntervalMs);
    const seen = this.watch.lastSeenAt;
    if (seen === null) reasons.push("nothing published yet");
    else if (now - seen > window) reasons.push(`standby: no instance has published for ${Math.round((now - seen) / 1000)} s`);
    return reasons;
  }

  /** When stats were last published as far as this instance knows: its own, or as a standby the leader's it heard. */
  lastPublishSeen(lastPublishedAt: number | null): number | null {
    return this.role === "standby" ? this.watch.lastSeenAt : lastPublishedAt;
  }

  /** Clean stop: stop publishing and hand the lease back. */
  async release(): Promise<void> {
    await this.election.release();
    this.election.stop();
    this.watch.stop();
  }
}
