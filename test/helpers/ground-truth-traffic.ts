// Monitor traffic whose correct figures follow from its parameters, and publishers that guarantee (or don't) delivery.
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import {
  type OutboundMessage, hashFor, heartbeat, invoiceCreated, nodeIdFor, taskCompleted, taskReceived,
} from "../../src/simulation/monitor-messages.ts";

export interface GroundTruth {
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  cachedTasks: number;
  totalInvoices: number;
  totalNodes: number;
}

/**
 * Tasks `from`..`from+count-1`, spread over `nodes` monitors: each is received then completed
 * (task i fails when i % 10 == 3, is cached when i % 4 == 0); every fifth task gets an invoice.
 */
export function taskTraffic(from: number, count: number, nodes = 50, namespace = "gt"): OutboundMessage[] {
  const out: OutboundMessage[] = [];
  for (let n = 0; n < nodes; n++) out.push(heartbeat(nodeIdFor(n, 7), { continentBucket: "EU" }));
  for (let i = from; i < from + count; i++) {
    const node = nodeIdFor(i % nodes, 7);
    const taskIdHash = hashFor(namespace, i);
    out.push(taskReceived(node, { taskIdHash, chainId: "1", taskType: "wasm" }));
    out.push(taskCompleted(node, { taskIdHash, chainId: "1", success: i % 10 !== 3, cached: i % 4 === 0, executionTimeBucket: "1-5s" }));
    if (i % 5 === 0) out.push(invoiceCreated(node, { invoiceIdHash: hashFor(`${namespace}i`, i), taskIdHash }));
  }
  return out;
}

/** The figures for tasks 0..count-1 of taskTraffic (whatever the split into batches and repeats). */
export function groundTruth(count: number, nodes = 50): GroundTruth {
  let failed = 0;
  let cached = 0;
  for (let i = 0; i < count; i++) {
    if (i % 10 === 3) failed++;
    if (i % 4 === 0) cached++;
  }
  return {
    totalTasks: count, completedTasks: count - failed, failedTasks: failed, cachedTasks: cached,
    totalInvoices: Math.ceil(count / 5), totalNodes: nodes,
  };
}

export function figuresOf(data: GroundTruth): GroundTruth {
  const { totalTasks, completedTasks, failedTasks, cachedTasks, totalInvoices, totalNodes } = data;
  return { totalTasks, completedTasks, failedTasks, cachedTasks, totalInvoices, totalNodes };
}

/**
 * Publishes through JetStream and re-sends anything the stream did not acknowledge (as a
 * monitor re-sending would), so every message is stored once the promise resolves.
 */
export async function publishAcked(nc: NatsConnection, messages: OutboundMessage[], window = 500): Promise<{ retries: number }> {
  const js = jetstream(nc, { timeout: 2000 });
  let retries = 0;
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const m = messages[next++]!;
      for (;;) {
        try {
          await js.publish(m.subject, m.payload);
          break;
        } catch {
          retries++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return { retries };
}
