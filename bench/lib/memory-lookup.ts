// An in-memory RecordLookup: what the store answers, kept in Maps, "committed" by writing the batch's rows.
import type { BatchEffect, RecordLookup } from "../../src/core/batch.ts";
import type { InvoiceRecord, TaskRecord } from "../../src/core/records.ts";

export class MemoryLookup implements RecordLookup {
  readonly tasks = new Map<string, TaskRecord>();
  readonly invoices = new Map<string, InvoiceRecord>();

  task(taskIdHash: string): TaskRecord | undefined {
    return this.tasks.get(taskIdHash);
  }

  invoice(invoiceIdHash: string): InvoiceRecord | undefined {
    return this.invoices.get(invoiceIdHash);
  }

  commit(effect: BatchEffect): void {
    for (const t of effect.tasks) this.tasks.set(t.taskIdHash, t);
    for (const i of effect.invoices) this.invoices.set(i.invoiceIdHash, i);
  }
}
