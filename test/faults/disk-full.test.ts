// The database's disk fills mid-run: one clear error, /readyz 503, nothing acked that was not stored, recovery without restart.
import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeSync, openSync, closeSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

const isRoot = process.getuid?.() === 0;

/** Fills the file system at `dir` until it refuses another byte. */
function fillDisk(path: string): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

// A small tmpfs is the disk that fills; mounting one needs root (CI runs as root).
test.skipIf(!isRoot)("disk full: 503 and no ack while it lasts, every message counted once space is back", async () => {
  const mount = join(tempDir(), "smalldisk");
  mkdirSync(mount);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", mount]);
  const nats = await TestNatsServer.start({ jetstream: true });
  const client = await FederationClient.connect(nats.url);
  const service = await AggregatorProcess.start({
    env: { NATS_URL: nats.url, DB_PATH: join(mount, "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "jetstream" },
  });
  try {
    await service.waitReady();
    await publishAcked(client.nc, taskTraffic(0, 1000));
    await client.nextStats((m) => m.data.totalTasks === 1000);

    const ballast = join(mount, "ballast");
    fillDisk(ballast);
    await publishAcked(client.nc, taskTraffic(1000, 20_000));

    const down = await waitFor("/readyz to report the database", async () => {
      const r = await service.http("/readyz");
      return r.status === 503 && r.body.reasons.includes("database not writable") ? r : undefined;
    }, 30_000);
    expect(down.body.database.lastError).toMatch(/full|disk/i);
    // Held, not acked: the consumer still owes these messages.
    const jsm = await jetstreamManager(client.nc);
    const info = await jsm.consumers.info("TRUEBIT_EVENTS", down.body.ingest.consumer);
    expect(info.num_ack_pending + info.num_pending).toBeGreaterThan(0);
    expect(service.stdout.match(/ERROR cannot write to the database/g)?.length).toBe(1);

    rmSync(ballast);
    await waitFor("/readyz to recover without a restart", async () => (await service.http("/readyz")).status === 200, 30_000);
    const expected = groundTruth(21_000);
    const stats = await client.nextStats((m) => m.data.totalTasks === expected.totalTasks, 60_000);
    expect(figuresOf(stats.data)).toEqual(expected);
    expect(service.stdout).toContain("database writable again");
  } finally {
    expect(await service.stop()).toBe(0);
    await client.close();
    await nats.dispose();
    execFileSync("umount", ["-l", mount]);
  }
}, 180_000);
