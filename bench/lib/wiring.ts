// Builds the service's in-process objects the way src/service/aggregator-service.ts wires them, with the
// default configuration, so the benchmarks that drive them in-process stay in step with the service.
import { loadConfig, type Config } from "../../src/config/config.ts";
import { Admission } from "../../src/core/admission.ts";
import type { IngestMetrics } from "../../src/core/ingest-metrics.ts";
import type { NetworkState } from "../../src/core/network-state.ts";
import { createLogger, type Logger } from "../../src/log/logger.ts";
import { IngestPipeline } from "../../src/service/ingest-pipeline.ts";
import type { AggregatorStore } from "../../src/storage/aggregator-store.ts";

/** The service's defaults (every variable unset). */
export const DEFAULT_CONFIG: Config = loadConfig({});

export const silentLog: Logger = createLogger({ level: "error", format: "text" });

/** Without the service's heap trim: that is a policy of the whole process, measured by benches 1 and 3. */
export function makePipeline(store: AggregatorStore, state: NetworkState, metrics: IngestMetrics, config: Config = DEFAULT_CONFIG): IngestPipeline {
  const admission = new Admission(config.limits, (nodeId) => state.nodes.has(nodeId) || store.node(nodeId) !== undefined);
  return new IngestPipeline(store, state, metrics, silentLog, admission);
}
