// Computes the effect of a batch of events against stored state, without changing anything yet.
import type { InboundEvent } from "../protocol/events.ts";
import { CounterSet } from "./counters.ts";
import {
  type InvoiceRecord, type NodeRecord, type TaskRecord,
  invoiceContributions, mergeInvoice, mergeNode, mergeTask, sameInvoice, sameNode, sameTask, taskContributions,
} from "./records.ts";

/** Read access to what is already stored; the storage layer implements it. */
export interface RecordLookup {
  task(taskIdHash: string): TaskRecord | undefined;
  invoice(invoiceIdHash: string): InvoiceRecord | undefined;
  /** Nodes not held in memory (silent ones are evicted from it). */
  node(nodeId: string): NodeRecord | undefined;
}

/** A first-seen time entering or leaving a sliding window. */
export interface WindowChange {
  window: "tasks" | "invoices";
  add?: number;
  remove?: number;
}

/** Everything one batch changes: rows to write and the counter deltas to apply once they are written. */
export interface BatchEffect {
  tasks: TaskRecord[];
  invoices: InvoiceRecord[];
  nodes: NodeRecord[];
  counters: CounterSet;
  windows: WindowChange[];
  /** Task and invoice events that changed nothing (repeats, replays). */
  duplicates: number;
  accepted: number;
}

export class BatchBuilder {
  private readonly tasks = new Map<string, { before: TaskRecord | undefined; after: TaskRecord }>();
  private readonly invoices = new Map<string, { before: InvoiceRecord | undefined; after: InvoiceRecord }>();
  private readonly nodes = new Map<string, { before: NodeRecord | undefined; after: NodeRecord }>();
  private duplicates = 0;
  private accepted = 0;

  constructor(
    private readonly lookup: RecordLookup,
    private readonly knownNodes: ReadonlyMap<string, NodeRecord>,
  ) {}

  add(e: InboundEvent): void {
    this.accepted++;
    this.touchNode(e);
    switch (e.type) {
      case "task_received":
      case "task_completed": {
        const key = e.data.taskIdHash;
        const entry = this.tasks.get(key);
        const current = entry ? entry.after : this.lookup.task(key);
        const next = mergeTask(current, e);
        if (current && sameTask(current, next)) this.duplicates++;
        else if (entry) entry.after = next;
        else this.tasks.set(key, { before: current, after: next });
        break;
      }
      case "invoice_created": {
        const key = e.data.invoiceIdHash;
        const entry = this.invoices.get(key);
        const current = entry ? entry.after : this.lookup.invoice(key);
        const next = mergeInvoice(current, e);
        if (current && sameInvoice(current, next)) this.duplicates++;
        else if (entry) entry.after = next;
        else this.invoices.set(key, { before: current, after: next });
        break;
      }
      default:
        break;
    }
  }

  private touchNode(e: InboundEvent): void {
    const entry = this.nodes.get(e.nodeId);
    if (entry && e.type !== "heartbeat" && e.type !== "node_joined" && e.type !== "node_left") {
      // Only the seen-times can move, and entry.after is this batch's own copy: no new object per message.
      const n = entry.after;
      if (e.at < n.firstSeen) n.firstSeen = e.at;
      if (e.at > n.lastSeen) n.lastSeen = e.at;
      return;
    }
    const current = entry ? entry.after : (this.knownNodes.get(e.nodeId) ?? this.lookup.node(e.nodeId));
    const next =
      e.type === "heartbeat" ? mergeNode(current, e.nodeId, e.at, e.data.status, e.data)
      : e.type === "node_joined" ? mergeNode(current, e.nodeId, e.at, "online")
      : e.type === "node_left" ? mergeNode(current, e.nodeId, e.at, "offline")
      : mergeNode(current, e.nodeId, e.at);
    if (current && sameNode(current, next)) return;
    if (entry) entry.after = next;
    else this.nodes.set(e.nodeId, { before: current, after: next });
  }

  effect(): BatchEffect {
    const counters = new CounterSet();
    const windows: WindowChange[] = [];
    for (const { before, after } of this.tasks.values()) {
      if (before) counters.addAll(taskContributions(before), -1);
      counters.addAll(taskContributions(after), 1);
      if (before?.firstSeen !== after.firstSeen) windows.push({ window: "tasks", add: after.firstSeen, remove: before?.firstSeen });
    }
    for (const { before, after } of this.invoices.values()) {
      if (before) counters.addAll(invoiceContributions(before), -1);
      counters.addAll(invoiceContributions(after), 1);
      if (before?.firstSeen !== after.firstSeen) windows.push({ window: "invoices", add: after.firstSeen, remove: before?.firstSeen });
    }
    for (const { before } of this.nodes.values()) if (!before) counters.add("total", "nodes", 1);
    return {
      tasks: [...this.tasks.values()].map((t) => t.after),
      invoices: [...this.invoices.values()].map((i) => i.after),
      nodes: [...this.nodes.values()].map((n) => n.after),
      counters,
      windows,
      duplicates: this.duplicates,
      accepted: this.accepted,
    };
  }
}
