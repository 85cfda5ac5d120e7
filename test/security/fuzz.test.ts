// 10,000+ generated malformed messages against the running service: none changes a figure or a row, each is counted invalid, none is slow.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { ALL_MESSAGES, EXPECTED } from "../helpers/scripted-federation.ts";
import { waitFor } from "../helpers/wait.ts";
import { decodeMessage } from "../../src/protocol/decode.ts";
import { type Malformed, SUBJECTS, malformedMessages, nearLimitMessages } from "./malformed-messages.ts";

const SEED = 20_261_124;
const GENERATED = 10_000;
const CHUNK = 500;
/** "No input makes one message cost more than a few milliseconds", with room for a loaded test machine. */
const SLOWEST_ALLOWED_MS = 50;
/**
 * Decodes timed per message, the fastest one kept: an input that is expensive is expensive every
 * time, while a GC pause or a descheduled thread lands on one run (the service's own lifetime
 * maximum once read 51.6 ms in CI for that reason, so it is reported, not asserted).
 */
const TIMINGS_PER_MESSAGE = 3;

let nats: TestNatsServer;
let service: AggregatorProcess;
let client: FederationClient;
let dbPath: string;

beforeAll(async () => {
  nats = await TestNatsServer.start();
  client = await FederationClient.connect(nats.url);
  dbPath = join(tempDir(), "agg.db");
  service = await AggregatorProcess.start({
    env: {
      NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "200", INGEST_MODE: "core",
      // Abuse limits off: this test is about validation alone, so nothing may be refused for its rate.
      RATE_LIMIT_PER_NODE: "0", NEW_NODES_PER_MINUTE: "1000000",
    },
  });
  await service.waitReady();
});

afterAll(async () => {
  await client?.close();
  await service?.stop();
  await nats?.dispose();
});

async function ingest(): Promise<{ received: number; accepted: number; duplicates: number; invalid: number; invalidByReason: Record<string, number>; slowestMessageMs: number }> {
  return (await service.http("/api/status")).body.ingest;
}

async function receivedAtLeast(n: number): Promise<void> {
  await waitFor(`the service to have received ${n} messages`, async () => (await ingest()).received >= n, 20_000, 20);
}

/** Every row of the tables that hold what was ingested (history grows with each publish, so it is left out). */
function snapshot(): Record<string, unknown[]> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = (sql: string) => db.query(sql).all();
    return {
      aggregated_tasks: rows("SELECT * FROM aggregated_tasks ORDER BY task_id_hash"),
      aggregated_invoices: rows("SELECT * FROM aggregated_invoices ORDER BY invoice_id_hash"),
      active_nodes: rows("SELECT * FROM active_nodes ORDER BY node_id"),
      lifetime_counters: rows("SELECT * FROM lifetime_counters"),
    };
  } finally {
    db.close();
  }
}

/** The message whose decode costs most, each timed as the fastest of TIMINGS_PER_MESSAGE runs. */
function costliestDecode(messages: Malformed[]): { kind: string; ms: number } {
  let worst = { kind: "", ms: 0 };
  for (const m of messages) {
    const bytes = bytesOf(m);
    let fastest = Infinity;
    for (let run = 0; run < TIMINGS_PER_MESSAGE; run++) {
      const started = performance.now();
      decodeMessage(m.subject, bytes, Date.now());
      fastest = Math.min(fastest, performance.now() - started);
    }
    if (fastest > worst.ms) worst = { kind: m.kind, ms: fastest };
  }
  return worst;
}

function bytesOf(m: Malformed): Uint8Array {
  return typeof m.payload === "string" ? new TextEncoder().encode(m.payload) : m.payload;
}

/** For a failure report only: which generated messages the decoder lets through, in a form a human can replay. */
function explainAccepted(messages: Malformed[]): string {
  const through = messages.filter((m) => decodeMessage(m.subject, bytesOf(m), Date.now()).ok);
  return through.slice(0, 5).map((m) => `${m.kind} on ${m.subject}: ${String(typeof m.payload === "string" ? m.payload : `<${m.payload.length} bytes>`).slice(0, 400)}`).join("\n");
}

test(`${GENERATED} generated malformed messages (seed ${SEED}) plus near-1 MB ones change nothing and are all counted invalid`, async () => {
  // A known state first: the scripted federation and its hand-computed figures.
  const scripted = await client.publish(ALL_MESSAGES);
  await receivedAtLeast(scripted);
  const before = await client.nextStats((m) => Bun.deepEquals(m.data, EXPECTED));
  const metricsBefore = await ingest();
  const rowsBefore = snapshot();
  expect(rowsBefore.aggregated_tasks).toHaveLength(EXPECTED.totalTasks);

  const messages = [...malformedMessages(GENERATED, SEED), ...nearLimitMessages()];
  expect(new Set(messages.map((m) => m.subject))).toEqual(new Set(SUBJECTS));
  let sent = 0;
  for (let i = 0; i < messages.length; i += CHUNK) {
    for (const m of messages.slice(i, i + CHUNK)) {
      client.publishRaw(m.subject, m.payload);
      sent++;
    }
    await client.nc.flush();
    // Core NATS drops messages for a consumer that falls too far behind: let the service catch up per chunk.
    await receivedAtLeast(metricsBefore.received + sent);
  }

  const metricsAfter = await ingest();
  const after = await client.nextStats();
  const delta = (k: "received" | "accepted" | "duplicates" | "invalid") => metricsAfter[k] - metricsBefore[k];
  const reasonDeltas = Object.fromEntries(
    Object.entries(metricsAfter.invalidByReason).map(([r, n]) => [r, n - (metricsBefore.invalidByReason[r] ?? 0)]).filter(([, n]) => n !== 0),
  );
  const costliest = costliestDecode(messages);
  // slowestMessageMs is a lifetime maximum: the value before the fuzz (scripted traffic, cold code) is shown beside it.
  console.log(`fuzz: sent=${sent} slowestMessageMs=${metricsAfter.slowestMessageMs.toFixed(3)} (before the fuzz: ${metricsBefore.slowestMessageMs.toFixed(3)}) costliest decode=${costliest.ms.toFixed(3)} ms (${costliest.kind}, fastest of ${TIMINGS_PER_MESSAGE}) invalidByReason delta=${JSON.stringify(reasonDeltas)}`);
  if (delta("accepted") !== 0 || delta("invalid") !== sent) console.log(`messages the decoder accepts:\n${explainAccepted(messages)}`);

  expect((await service.http("/healthz")).status).toBe(200);
  expect(delta("received")).toBe(sent);
  expect(delta("accepted")).toBe(0);
  expect(delta("duplicates")).toBe(0);
  expect(delta("invalid")).toBe(sent);
  expect(Object.values(reasonDeltas).reduce((a: number, b) => a + (b as number), 0)).toBe(sent);
  expect(after.data).toEqual(before.data);
  expect(snapshot()).toEqual(rowsBefore);
  expect(costliest.ms).toBeLessThan(SLOWEST_ALLOWED_MS);
  // Still serving normally: the process did not just survive, it still answers ready.
  expect((await service.http("/readyz")).status).toBe(200);
}, 90_000);
