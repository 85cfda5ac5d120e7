// Every authentication method the service offers works against a real nats-server, and the PROTOCOL.md permission model holds.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from "@nats-io/nats-core";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { ALL_MESSAGES, EXPECTED } from "../helpers/scripted-federation.ts";
import { waitFor } from "../helpers/wait.ts";
import { heartbeat, nodeIdFor } from "../../src/simulation/monitor-messages.ts";
import { STATS_SUBJECT } from "../../src/protocol/subjects.ts";
import { StatsWatcher, makeJwtSetup, makeNkeyUser, makeTlsMaterial, tlsServerConfig } from "./credentials.ts";
import { natsServer, onCleanup, service, stopAfterEachTest } from "./harness.ts";

setDefaultTimeout(30_000);
stopAfterEachTest();

async function watcher(opts: ConnectionOptions): Promise<StatsWatcher> {
  const w = await StatsWatcher.connect(opts);
  onCleanup(() => w.close());
  return w;
}

/**
 * The user-visible proof that a connection works end to end: a heartbeat published by an
 * authenticated monitor comes back as totalNodes=1 in the stats the service publishes.
 */
async function expectAggregates(svc: AggregatorProcess, w: StatsWatcher): Promise<void> {
  await svc.waitReady();
  w.nc.publish(heartbeat(nodeIdFor(1)).subject, heartbeat(nodeIdFor(1)).payload);
  await w.nc.flush();
  const stats = await w.next((m) => m.data.totalNodes === 1 && m.data.activeNodes === 1);
  expect(stats.type).toBe("network_stats");
  expect((await svc.http("/api/status")).body.ingest.accepted).toBe(1);
}

describe("authentication methods", () => {
  test("user and password", async () => {
    const nats = await natsServer({ config: `authorization { users: [ { user: svc, password: "pw-Xq7" } ] }` });
    const svc = await service({ NATS_URL: nats.url, NATS_USER: "svc", NATS_PASSWORD: "pw-Xq7" });
    await expectAggregates(svc, await watcher({ servers: nats.url, user: "svc", pass: "pw-Xq7" }));
  });

  test("token", async () => {
    const nats = await natsServer({ config: `authorization { token: "tok-9fZ" }` });
    const svc = await service({ NATS_URL: nats.url, NATS_TOKEN: "tok-9fZ" });
    await expectAggregates(svc, await watcher({ servers: nats.url, token: "tok-9fZ" }));
  });

  test("NKey seed file", async () => {
    const user = makeNkeyUser();
    const nats = await natsServer({ config: `authorization { users: [ { nkey: ${user.publicKey} } ] }` });
    const seedFile = join(tempDir(), "user.nk");
    // A trailing newline, as `nsc` and editors leave it: the service must not choke on it.
    writeFileSync(seedFile, `${user.seed}\n`, { mode: 0o600 });
    const svc = await service({ NATS_URL: nats.url, NATS_NKEY_SEED_FILE: seedFile });
    await expectAggregates(svc, await watcher({ servers: nats.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(user.seed)) }));
  });

  test(".creds file (operator JWT) with INGEST_MODE=jetstream", async () => {
    const jwt = await makeJwtSetup();
    const nats = await natsServer({ jetstream: true, config: jwt.serverConfig });
    const credsFile = join(tempDir(), "svc.creds");
    writeFileSync(credsFile, jwt.creds, { mode: 0o600 });
    const svc = await service({ NATS_URL: nats.url, NATS_CREDS: credsFile, INGEST_MODE: "jetstream" });
    await expectAggregates(svc, await watcher({ servers: nats.url, authenticator: credsAuthenticator(new TextEncoder().encode(jwt.creds)) }));
    expect((await svc.http("/api/status")).body.mode.mode).toBe("jetstream");
  });
});

describe("TLS", () => {
  test("tls:// with a private CA (NATS_TLS_CA)", async () => {
    const tls = makeTlsMaterial(tempDir("agg-tls-"));
    const nats = await natsServer({ config: tlsServerConfig(tls, false) });
    const url = `tls://127.0.0.1:${nats.port}`;
    const svc = await service({ NATS_URL: url, NATS_TLS_CA: tls.ca });
    await expectAggregates(svc, await watcher({ servers: url, tls: { caFile: tls.ca } }));
  });

  test("a server that demands a client certificate accepts the service with NATS_TLS_CERT/KEY", async () => {
    const tls = makeTlsMaterial(tempDir("agg-tls-"));
    const nats = await natsServer({ config: tlsServerConfig(tls, true) });
    const url = `tls://127.0.0.1:${nats.port}`;
    const svc = await service({ NATS_URL: url, NATS_TLS_CA: tls.ca, NATS_TLS_CERT: tls.clientCert, NATS_TLS_KEY: tls.clientKey });
    await expectAggregates(svc, await watcher({ servers: url, tls: { caFile: tls.ca, certFile: tls.clientCert, keyFile: tls.clientKey } }));
  });

  test("without a client certificate the service is not ready and /readyz says why", async () => {
    const tls = makeTlsMaterial(tempDir("agg-tls-"));
    const nats = await natsServer({ config: tlsServerConfig(tls, true) });
    const svc = await service({ NATS_URL: `tls://127.0.0.1:${nats.port}`, NATS_TLS_CA: tls.ca });
    // nats.js reports a refused client certificate only as a connect timeout (5 s in the service).
    const refused = await waitFor("/readyz to report the NATS connection error", async () => {
      const r = await svc.http("/readyz");
      return r.status === 503 && r.body.nats.lastError ? r : undefined;
    }, 25_000, 100);
    expect(refused.body.ready).toBe(false);
    expect(refused.body.reasons).toContain("not connected to NATS");
    expect(refused.body.nats.connected).toBe(false);
    expect((await svc.http("/healthz")).status).toBe(200);
    expect(svc.stdout).toContain("cannot connect to NATS");
    console.log(`/readyz without a client certificate: nats.lastError=${JSON.stringify(refused.body.nats.lastError)}`);
    // The operator must be able to tell a missing client certificate from a server that is down or slow.
    expect(refused.body.nats.lastError).toMatch(/certificate/i);
  }, 40_000);
});

// PROTOCOL.md "Reference NATS permissions", reproduced as a server configuration.
const REFERENCE_PERMISSIONS = `accounts { APP: { jetstream: enabled, users: [
  { user: aggregator, password: "agg-pw", permissions: { publish: { allow: [">"] }, subscribe: { allow: [">"] } } },
  { user: monitor, password: "mon-pw", permissions: {
      publish: { allow: ["truebit.tasks.>", "truebit.invoices.>", "truebit.heartbeat", "truebit.nodes.>"] },
      subscribe: { allow: ["truebit.>"] } } }
] } }`;

describe("reference permissions (PROTOCOL.md)", () => {
  for (const mode of ["core", "jetstream"] as const) {
    test(`monitors publishing as "monitor" are aggregated by the service as "aggregator" (INGEST_MODE=${mode})`, async () => {
      const nats = await natsServer({ jetstream: mode === "jetstream", config: REFERENCE_PERMISSIONS });
      const svc = await service({ NATS_URL: nats.url, NATS_USER: "aggregator", NATS_PASSWORD: "agg-pw", INGEST_MODE: mode });
      await svc.waitReady();
      // The monitor is both the publisher of events and the reader of the stats, as in the field.
      const monitor = await watcher({ servers: nats.url, user: "monitor", pass: "mon-pw" });
      const errors: string[] = [];
      void (async () => {
        for await (const s of monitor.nc.status()) if (s.type === "error") errors.push(String(s.error));
      })();
      for (const m of ALL_MESSAGES) monitor.nc.publish(m.subject, m.payload);
      await monitor.nc.flush();
      const stats = await monitor.next((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
      expect(stats.data).toEqual(EXPECTED);
      expect(errors).toEqual([]);
      expect((await svc.http("/api/status")).body.mode.mode).toBe(mode);
    });
  }

  test(`a "monitor" cannot publish a fake ${STATS_SUBJECT}`, async () => {
    const nats = await natsServer({ config: REFERENCE_PERMISSIONS });
    const svc = await service({ NATS_URL: nats.url, NATS_USER: "aggregator", NATS_PASSWORD: "agg-pw" });
    await svc.waitReady();
    const reader = await watcher({ servers: nats.url, user: "monitor", pass: "mon-pw" });
    const forger = await watcher({ servers: nats.url, user: "monitor", pass: "mon-pw" });
    const errors: string[] = [];
    void (async () => {
      for await (const s of forger.nc.status()) if (s.type === "error") errors.push(`${s.error?.name}: ${s.error?.message}`);
    })();

    const fake = { version: "1.0", type: "network_stats", timestamp: new Date().toISOString(), data: { ...EXPECTED, totalNodes: 424242 } };
    forger.nc.publish(STATS_SUBJECT, JSON.stringify(fake));
    await forger.nc.flush().catch(() => undefined);
    const violation = await waitFor("the forger's connection to report a permission violation", () => errors.find((e) => e.includes(STATS_SUBJECT)));
    expect(violation).toMatch(/Permission/i);

    // Two service publishes after the forgery have reached readers; the forgery never did.
    await reader.next();
    await reader.next();
    expect(reader.stats.some((m) => m.data.totalNodes === 424242)).toBe(false);
    expect(forger.stats.some((m) => m.data.totalNodes === 424242)).toBe(false);
  });
});
