// A leader paused past its lease (SIGSTOP, as in a partition or a long GC pause) never publishes again once it resumes.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { StatsSenders } from "../helpers/stats-senders.ts";
import { waitFor } from "../helpers/wait.ts";

const INTERVAL_MS = 300;
const LEASE_MS = 2000;

test("SIGSTOP the leader until a standby takes over, SIGCONT: the old leader stays silent, one voice per interval", async () => {
  const nats = await TestNatsServer.start({ jetstream: true });
  const senders = await StatsSenders.connect(nats.url);
  const start = (id: string) => AggregatorProcess.start({
    env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), `${id}.db`), PUBLISH_INTERVAL: String(INTERVAL_MS), INGEST_MODE: "jetstream", INSTANCE_ID: id, LEADER_LEASE_MS: String(LEASE_MS) },
  });
  const old = await start("paused-old");
  let standby: AggregatorProcess | undefined;
  try {
    await old.waitReady();
    standby = await start("paused-standby");
    await standby.waitReady();
    const begin = Date.now();
    await senders.next((s) => s.from === "paused-old");

    process.kill(old.pid!, "SIGSTOP");
    const stoppedAt = Date.now();
    const taken = await senders.next((s) => s.from === "paused-standby", 3 * LEASE_MS);
    // Paused well past its lease, then resumed: its timers and its pending renewal all fire late.
    await waitFor("the paused leader's lease to be long gone", () => Date.now() - stoppedAt > 2 * LEASE_MS, 3 * LEASE_MS, 50);
    process.kill(old.pid!, "SIGCONT");
    await waitFor("the resumed instance to know it is a standby", async () => (await old.http("/readyz")).body?.role === "standby", 10_000);
    // Ten intervals after resuming, still only the new leader.
    const resumedAt = Date.now();
    await waitFor("ten more intervals", () => senders.since(resumedAt).length >= 10, 20_000);

    const series = senders.since(begin);
    expect(series.filter((s) => s.from === "paused-old" && s.at > stoppedAt)).toEqual([]);
    // One handover, old to new; no interval with two voices.
    expect(StatsSenders.runs(series)).toEqual(["paused-old", "paused-standby"]);
    expect(taken.at).toBeGreaterThan(stoppedAt);
    expect(old.stdout).toMatch(/role: standby from=leader why="(could not renew the lease in time|the lease was taken over by paused-standby|the lease is now held by paused-standby)"/);
    expect((await old.http("/readyz")).status).toBe(200);
  } finally {
    process.kill(old.pid!, "SIGCONT");
    expect(await old.stop()).toBe(0);
    if (standby) expect(await standby.stop()).toBe(0);
    await senders.close();
    await nats.dispose();
  }
}, 60_000);
