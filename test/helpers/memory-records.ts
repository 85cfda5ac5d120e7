// What storage answers, kept in Maps: the RecordLookup for pure-core tests and the core-only benchmark.
import type { BatchEffect, RecordLookup } from "../../src/core/batch.ts";
import type { InvoiceRecord, NodeRecord, TaskRecord } from "../../src/core/records.ts";

// Records are never mutated in place by the core (merges copy), so storing them as they are is safe.
export class MemoryRecords implements RecordLookup {
  readonly tasks = new Map<string, TaskRecord>();
  readonly invoices = new Map<string, InvoiceRecord>();
  readonly nodes = new Map<string, NodeRecord>();

  task(taskIdHash: string): TaskRecord | undefined {
    return this.tasks.get(taskIdHash);
  }

  invoice(invoiceIdHash: string): InvoiceRecord | undefined {
    return this.invoices.get(invoiceIdHash);
  }

  node(nodeId: string): NodeRecord | undefined {
    return this.nodes.get(nodeId);
  }

  commit(effect: BatchEffect): void {
    for (const t of effect.tasks) this.tasks.set(t.taskIdHash, t);
    for (const i of effect.invoices) this.invoices.set(i.invoiceIdHash, i);
    for (const n of effect.nodes) this.nodes.set(n.nodeId, n);
  }
}
