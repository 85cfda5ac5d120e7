// Prometheus scrapes the running service: its figures equal the published message, the text passes promtool, labels stay bounded.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { useFederation } from "../helpers/federation-client.ts";
import { promtoolCheckMetrics, TestPrometheus } from "../helpers/prometheus.ts";
import { ALL_MESSAGES, EXPECTED, EXPECTED_INVALID } from "../helpers/scripted-federation.ts";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";
import { hashFor, nodeIdFor, taskReceived } from "../../src/simulation/monitor-messages.ts";

/** The names issue 12 promises, each with the type Prometheus should see. */
const PROMISED: Record<string, "counter" | "gauge" | "histogram"> = {
  truebit_aggregator_messages_received_total: "counter",
  truebit_aggregator_messages_accepted_total: "counter",
  truebit_aggregator_messages_duplicate_total: "counter",
  truebit_aggregator_messages_invalid_total: "counter",
  truebit_aggregator_messages_rejected_total: "counter",
  truebit_aggregator_messages_waiting: "gauge",
  truebit_aggregator_consumer_pending: "gauge",
  truebit_aggregator_storage_writable: "gauge",
  truebit_aggregator_nats_connected: "gauge",
  truebit_aggregator_role: "gauge",
  truebit_aggregator_batch_commit_duration_seconds: "histogram",
  truebit_aggregator_heap_trims_total: "counter",
  truebit_aggregator_heap_trim_seconds_total: "counter",
  truebit_aggregator_young_collections_total: "counter",
  truebit_aggregator_young_collection_seconds_total: "counter",
  truebit_aggregator_stats_build_duration_seconds: "histogram",
  truebit_aggregator_stats_publish_duration_seconds: "histogram",
  process_cpu_seconds_total: "counter",
  process_resident_memory_bytes: "gauge",
  truebit_network_active_nodes: "gauge",
  truebit_network_total_nodes: "gauge",
  truebit_network_total_tasks: "gauge",
  truebit_network_completed_tasks: "gauge",
  truebit_network_failed_tasks: "gauge",
  truebit_network_cached_tasks: "gauge",
  truebit_network_tasks_last_24h: "gauge",
  truebit_network_total_invoices: "gauge",
  truebit_network_invoices_last_24h: "gauge",
  truebit_network_success_rate: "gauge",
  truebit_network_cache_hit_rate: "gauge",
  truebit_network_tasks_by_chain: "gauge",
};

function samples(text: string, name: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

setDefaultTimeout(60_000);

const fed = useFederation();

function serviceEnv(): Record<string, string> {
  return { NATS_URL: fed.nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "300", INGEST_MODE: "core" };
}

describe("GET /metrics", () => {
  test("a real Prometheus scraping the service sees the published totalTasks and every invalid message; promtool finds nothing", async () => {
    const service = await AggregatorProcess.start({ env: serviceEnv() });
    const prometheus = await TestPrometheus.start(`127.0.0.1:${service.httpPort}`);
    try {
      await service.waitReady();
      await fed.client.publish(ALL_MESSAGES);
      const stats = await fed.client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
      const invalidSent = Object.values(EXPECTED_INVALID).reduce((s, n) => s + n, 0);

      await waitFor("Prometheus to scrape the published totalTasks", async () => (await prometheus.value("truebit_network_total_tasks")) === stats.data.totalTasks, 20_000, 250);
      await waitFor("Prometheus to count every invalid message", async () => (await prometheus.value("sum(truebit_aggregator_messages_invalid_total)")) === invalidSent, 20_000, 250);
      const byReason = await prometheus.query("truebit_aggregator_messages_invalid_total");
      expect(Object.fromEntries(byReason.map((s) => [s.metric.reason, s.value]))).toEqual(EXPECTED_INVALID);
      expect(await prometheus.value("truebit_network_active_nodes")).toBe(EXPECTED.activeNodes);
      expect(await prometheus.value('truebit_aggregator_role{role="single"}')).toBe(1);
      expect(await prometheus.value('up{job="aggregator"}')).toBe(1);

      const res = await fetch(`http://127.0.0.1:${service.httpPort}/metrics`);
      expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
      const text = await res.text();
      const lint = promtoolCheckMetrics(text);
      expect(lint.problems).toBe("");
      expect(lint.code).toBe(0);
      for (const [name, type] of Object.entries(PROMISED)) expect(text).toContain(`# TYPE ${name} ${type}\n`);
      expect(samples(text, "truebit_network_total_tasks")).toEqual([`truebit_network_total_tasks ${EXPECTED.totalTasks}`]);
      expect(samples(text, "truebit_network_tasks_by_chain").sort()).toEqual(
        Object.entries(EXPECTED.chainDistribution).map(([chain, n]) => `truebit_network_tasks_by_chain{chain="${chain}"} ${n}`).sort(),
      );
      expect(samples(text, "truebit_aggregator_batch_commit_duration_seconds_count")[0]).toMatch(/ [1-9]\d*$/);
      expect(samples(text, "truebit_aggregator_stats_build_duration_seconds_count")[0]).toMatch(/ [1-9]\d*$/);
    } finally {
      await prometheus.stop();
      expect(await service.stop("SIGTERM")).toBe(0);
    }
  });

  test("chain ids made up by senders end as at most 20 labels and \"other\"; the sum stays exact", async () => {
    const service = await AggregatorProcess.start({ env: serviceEnv() });
    try {
      await service.waitReady();
      const node = nodeIdFor(0xe1);
      const messages = Array.from({ length: 300 }, (_, i) => taskReceived(node, { taskIdHash: hashFor("chains", i), chainId: `chain-${i}`, taskType: `type-${i}` }));
      await fed.client.publish(messages);
      await fed.client.nextStats((m) => m.data.totalTasks === 300);
      const text = await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text();
      for (const [name, label] of [["truebit_network_tasks_by_chain", "chain"], ["truebit_network_tasks_by_type", "task_type"]] as const) {
        const series = samples(text, name);
        expect(series.length).toBe(21);
        expect(series).toContain(`${name}{${label}="other"} 280`);
        expect(series.reduce((s, l) => s + Number(l.split(" ").at(-1)), 0)).toBe(300);
      }
      expect(promtoolCheckMetrics(text).code).toBe(0);
    } finally {
      expect(await service.stop("SIGTERM")).toBe(0);
    }
  });

  test("before the first publish the network figures are absent, not 0, and the service says why", async () => {
    // Nothing listens on this port: the service never connects, so it never publishes.
    const service = await AggregatorProcess.start({ env: { ...serviceEnv(), NATS_URL: `nats://127.0.0.1:${await freePort()}` } });
    try {
      const text = await waitFor("/metrics to answer", async () => {
        const r = await fetch(`http://127.0.0.1:${service.httpPort}/metrics`);
        return r.ok ? r.text() : undefined;
      });
      expect(text).not.toContain("truebit_network_");
      expect(samples(text, "truebit_aggregator_nats_connected")).toEqual(["truebit_aggregator_nats_connected 0"]);
      expect(samples(text, "truebit_aggregator_last_publish_timestamp_seconds")).toEqual(["truebit_aggregator_last_publish_timestamp_seconds 0"]);
      expect(promtoolCheckMetrics(text).code).toBe(0);
      expect((await service.http("/api/stats")).status).toBe(404);
    } finally {
      expect(await service.stop("SIGTERM")).toBe(0);
    }
  });
});

describe("GET /api/stats, /stats and /api/status", () => {
  test("the last published message on both paths; the JSON counters moved to /api/status", async () => {
    const service = await AggregatorProcess.start({ env: serviceEnv() });
    try {
      await service.waitReady();
      await fed.client.publish(ALL_MESSAGES);
      await fed.client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks);
      const api = await service.http("/api/stats");
      expect(api.status).toBe(200);
      expect(api.body.data.totalTasks).toBe(EXPECTED.totalTasks);
      const alias = await service.http("/stats");
      expect(alias.body.type).toBe("network_stats");
      const status = await service.http("/api/status");
      expect(status.body.role).toBe("single");
      expect(status.body.ingest.invalidByReason).toEqual(EXPECTED_INVALID);
    } finally {
      expect(await service.stop("SIGTERM")).toBe(0);
    }
  });
});
