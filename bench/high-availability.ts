// Bench: high availability. (1) failover time after SIGKILL of the leader, on a three-server cluster with three
// instances (median and worst of N); (2) the NATS messages per second the leader lease adds; (3) ingest of one
// pre-loaded stream by three instances on a three-server cluster (JS_REPLICAS=3) against one instance on one server.
//
//   bun bench/high-availability.ts [--failovers 10] [--lease-ms 10000] [--tasks 50000] [--ingest-runs 3]
//                                  [--lease-window-ms 30000] [--parts failover,lease,ingest] [--smoke]
//   env: BENCH_FAILOVERS, BENCH_LEASE_MS, BENCH_TASKS, BENCH_INGEST_RUNS, BENCH_LEASE_WINDOW_MS, BENCH_PARTS, BENCH_SMOKE=1
//
// Ingest runs are repeated on the one pre-loaded stream, each by fresh instances (new ids, so new consumers
// reading from the start), and the median is reported: on a shared 2-core machine single runs vary a lot.
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { join } from "node:path";
import { LEASE_BUCKET } from "../src/cluster/lease-bucket.ts";
import { AggregatorProcess, tempDir } from "../test/helpers/aggregator-process.ts";
import { publishAcked, taskTraffic } from "../test/helpers/ground-truth-traffic.ts";
import { TestNatsCluster } from "../test/helpers/nats-cluster.ts";
import { TestNatsServer } from "../test/helpers/nats-server.ts";
import { StatsSenders } from "../test/helpers/stats-senders.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { intArg, strArg } from "./lib/args.ts";
import { log, median, report, type Figure } from "./lib/result.ts";

const failovers = intArg("failovers", 10, 3);
const leaseMs = intArg("lease-ms", 10_000, 2000);
const tasks = intArg("tasks", 50_000, 2000);
const ingestRuns = intArg("ingest-runs", 3, 1);
const leaseWindowMs = intArg("lease-window-ms", 30_000, 5000);
const parts = new Set((strArg("parts") ?? "failover,lease,ingest").split(","));
const INTERVAL_MS = 1000;

function instanceEnv(url: string, id: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NATS_URL: url, DB_PATH: join(tempDir(), `${id}.db`), INSTANCE_ID: id, INGEST_MODE: "jetstream",
    PUBLISH_INTERVAL: String(INTERVAL_MS), LEADER_LEASE_MS: String(leaseMs), LOG_LEVEL: "warn", ...extra,
  };
}

/** (1) SIGKILL the leader, time until another instance's first stats message; restart the killed one as a standby. */
async function measureFailover(cluster: TestNatsCluster): Promise<{ times: number[]; exact: number }> {
  const ids = ["fo-1", "fo-2", "fo-3"];
  const envs = ids.map((id, i) => instanceEnv(cluster.servers[i]!.url, id, { JS_REPLICAS: "3" }));
  const procs = await Promise.all(envs.map((env) => AggregatorProcess.start({ env })));
  const senders = await StatsSenders.connect(cluster.urls);
  const times: number[] = [];
  let exact = 0;
  try {
    await Promise.all(procs.map((p) => p.waitReady(30_000 + leaseMs)));
    const feeder = await connect({ servers: cluster.urls });
    await publishAcked(feeder, taskTraffic(0, 500));
    await feeder.close();
    for (let run = 0; run < failovers; run++) {
      const current = await senders.next((s) => s.message.data.totalTasks === 500, 3 * leaseMs + 10_000);
      const i = ids.indexOf(current.from!);
      const killedAt = Date.now();
      await procs[i]!.stop("SIGKILL");
      const next = await senders.next((s) => s.from !== ids[i], 3 * leaseMs + 10_000);
      times.push(next.at - killedAt);
      if (next.message.data.totalTasks === 500) exact++;
      log(`failover ${run + 1}/${failovers}: ${next.at - killedAt} ms (${current.from} -> ${next.from})`);
      procs[i] = await AggregatorProcess.start({ env: envs[i]! });
      await procs[i]!.waitReady(30_000 + leaseMs);
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await senders.close();
  }
  return { times, exact };
}

/**
 * (2) Counts the lease's requests on the KV subjects for a while: each has one reply, and each write to
 * the key is also delivered to the other instances' subscriptions (standbys hear a release at once).
 */
async function measureLeaseTraffic(cluster: TestNatsCluster): Promise<{ perSecond: number; requests: number; writes: number }> {
  const ids = ["lt-1", "lt-2", "lt-3"];
  // The default publish interval: the leader's pre-publish check comes once per interval.
  const procs = await Promise.all(ids.map((id, i) => AggregatorProcess.start({ env: instanceEnv(cluster.servers[i]!.url, id, { JS_REPLICAS: "3", PUBLISH_INTERVAL: "30000" }) })));
  const nc: NatsConnection = await connect({ servers: cluster.urls });
  try {
    await Promise.all(procs.map((p) => p.waitReady(30_000 + leaseMs)));
    let requests = 0;
    let writes = 0;
    nc.subscribe(`$KV.${LEASE_BUCKET}.>`, { callback: () => void writes++ });
    for (const subject of [`$JS.API.STREAM.MSG.GET.KV_${LEASE_BUCKET}`, `$JS.API.DIRECT.GET.KV_${LEASE_BUCKET}.>`]) {
      nc.subscribe(subject, { callback: () => void requests++ });
    }
    await nc.flush();
    const from = Date.now();
    await waitFor("the lease traffic window", () => Date.now() - from >= leaseWindowMs, leaseWindowMs + 5000, 200);
    const seconds = (Date.now() - from) / 1000;
    requests += writes;
    return { perSecond: (2 * requests + (ids.length - 1) * writes) / seconds, requests, writes };
  } finally {
    await nc.close();
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/** (3) Starts `n` instances (instance i on `urls[i]`) on a pre-loaded stream; time from the first message received to all committed. */
async function measureIngest(urls: string[], n: number, replicas: number, messages: number, run: number): Promise<number> {
  const procs = await Promise.all(Array.from({ length: n }, (_, i) => AggregatorProcess.start({
    env: instanceEnv(urls[i]!, `in-${replicas}-${run}-${i}`, { JS_REPLICAS: String(replicas), PUBLISH_INTERVAL: "5000" }),
  })));
  try {
    let firstAt = 0;
    const done = new Set<number>();
    await waitFor("every instance to commit the whole stream", async () => {
      const now = Date.now();
      const ms = await Promise.all(procs.map((p) => p.http("/api/status").then((r) => r.body, () => null)));
      if (!firstAt && ms.some((m) => m?.ingest?.received > 0)) firstAt = now;
      ms.forEach((m, i) => {
        if (m?.ingest?.received >= messages && m.waiting === 0) done.add(i);
      });
      return done.size === n;
    }, 600_000, 50);
    return (messages * n) / ((Date.now() - firstAt) / 1000);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function preload(urls: string[], traffic: ReturnType<typeof taskTraffic>, replicas: number): Promise<void> {
  // The first instance creates the stream with the wanted replicas; then the traffic goes in, acknowledged.
  const creator = await AggregatorProcess.start({ env: instanceEnv(urls[0]!, `pre-${replicas}`, { JS_REPLICAS: String(replicas) }) });
  await creator.waitReady(30_000 + leaseMs);
  await creator.stop();
  const nc = await connect({ servers: urls });
  await publishAcked(nc, traffic);
  await nc.close();
}

const figures: Figure[] = [];
const notes: string[] = [];
const traffic = taskTraffic(0, tasks);

async function onCluster<T>(fn: (cluster: TestNatsCluster) => Promise<T>): Promise<T> {
  const cluster = await TestNatsCluster.start(3);
  try {
    return await fn(cluster);
  } finally {
    await cluster.dispose();
  }
}

async function failoverPart(): Promise<void> {
  const fo = await onCluster(measureFailover);
  figures.push(
    { name: `failover after SIGKILL, median of ${failovers} (LEADER_LEASE_MS=${leaseMs})`, value: median(fo.times), unit: "ms" },
    { name: "failover after SIGKILL, worst", value: Math.max(...fo.times), unit: "ms", target: `<= lease + one interval (${leaseMs + INTERVAL_MS} ms)`, met: Math.max(...fo.times) <= leaseMs + INTERVAL_MS },
    { name: "new leader's first message exact", value: `${fo.exact}/${failovers}`, unit: "", target: "all", met: fo.exact === failovers },
  );
  notes.push(`failover times (ms): ${fo.times.join(", ")}`);
}

async function leasePart(): Promise<void> {
  const lt = await onCluster(measureLeaseTraffic);
  figures.push({ name: `lease traffic, 3 instances (requests, replies, deliveries; LEADER_LEASE_MS=${leaseMs}, PUBLISH_INTERVAL=30000)`, value: Number(lt.perSecond.toFixed(2)), unit: "msgs/s" });
  notes.push(`lease requests counted: ${lt.requests} in ${leaseWindowMs} ms, of which ${lt.writes} writes to the key (each also delivered to 2 standbys)`);
}

/** The median of `ingestRuns` ingest runs on one pre-loaded stream. */
async function ingestRates(urls: string[], n: number, replicas: number, what: string): Promise<number[]> {
  await preload(urls, traffic, replicas);
  const rates: number[] = [];
  for (let run = 0; run < ingestRuns; run++) {
    rates.push(await measureIngest(urls, n, replicas, traffic.length, run));
    log(`ingest, ${what}, run ${run + 1}/${ingestRuns}: ${Math.round(rates.at(-1)!)} msgs/s`);
  }
  return rates;
}

async function ingestPart(): Promise<void> {
  const single = await TestNatsServer.start({ jetstream: true });
  let singleRates: number[];
  try {
    singleRates = await ingestRates([single.url], 1, 1, "one instance, one server");
  } finally {
    await single.dispose();
  }
  const clusterRates = await onCluster((cluster) => ingestRates(cluster.urls, 3, 3, "three instances, three servers, together"));
  const singleRate = median(singleRates);
  const clusterRate = median(clusterRates);
  notes.push(`ingest runs (msgs/s): single ${singleRates.map(Math.round).join(", ")}; cluster (together) ${clusterRates.map(Math.round).join(", ")}`);
  figures.push(
    { name: `ingest, 1 instance on 1 server (R1), from a pre-loaded stream, median of ${ingestRuns}`, value: Math.round(singleRate), unit: "msgs/s" },
    { name: `ingest, 3 instances on a 3-server cluster (R3), all together, median of ${ingestRuns}`, value: Math.round(clusterRate), unit: "msgs/s" },
    { name: "ingest, 3-server cluster, per instance", value: Math.round(clusterRate / 3), unit: "msgs/s" },
    { name: "per instance / single", value: `${((clusterRate / 3 / singleRate) * 100).toFixed(0)}%`, unit: "" },
  );
  notes.push(`every instance ingests the whole stream (its own consumer): ${traffic.length.toLocaleString()} messages each; all processes share this machine's ${navigator.hardwareConcurrency} cores`);
}

log(`bench: high availability (${[...parts].join(", ")}); lease ${leaseMs} ms, ${failovers} failovers, ingest of ${traffic.length.toLocaleString()} messages`);
if (parts.has("failover")) await failoverPart();
if (parts.has("lease")) await leasePart();
if (parts.has("ingest")) await ingestPart();
report({ bench: "high-availability", params: { parts: [...parts], failovers, leaseMs, tasks, ingestRuns, messages: traffic.length, leaseWindowMs, intervalMs: INTERVAL_MS }, figures, notes });
process.exit(0);
