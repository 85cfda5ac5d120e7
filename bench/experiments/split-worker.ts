// Experiment worker (see split-driver.ts): runs the real IngestPipeline + AggregatorStore on payload chunks posted by split-child.ts.
import { IngestMetrics } from "../../src/core/ingest-metrics.ts";
import { NetworkState } from "../../src/core/network-state.ts";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { SUBJECTS } from "../lib/traffic.ts";
import { makePipeline } from "../lib/wiring.ts";

declare const self: Worker;
let pipeline: ReturnType<typeof makePipeline> | null = null;
let metrics: IngestMetrics;
self.onmessage = async (ev: MessageEvent) => {
  const m = ev.data;
  if (m.type === "open") {
    const store = await AggregatorStore.open(m.dbPath);
    const state = new NetworkState(store.restore(Date.now()));
    metrics = new IngestMetrics();
    pipeline = makePipeline(store, state, metrics);
    postMessage({ type: "ready" });
    return;
  }
  if (m.type === "chunk") {
    const bytes = new Uint8Array(m.buf);
    const meta: Float64Array = m.meta;
    let off = 0;
    for (let i = 0; i < m.count; i++) {
      const subj = meta[i * 3]!, at = meta[i * 3 + 1]!, len = meta[i * 3 + 2]!;
      pipeline!.accept(SUBJECTS[subj]!, bytes.subarray(off, off + len), at);
      off += len;
    }
    const t = metrics.total();
    postMessage({ type: "progress", received: t.received, committed: t.accepted + t.invalid + t.rejected, waiting: pipeline!.pending });
  }
  if (m.type === "flush") {
    pipeline!.flush();
    const t = metrics.total();
    postMessage({ type: "progress", received: t.received, committed: t.accepted + t.invalid + t.rejected, waiting: pipeline!.pending });
  }
};
