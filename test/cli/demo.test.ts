// `aggregator demo` as a newcomer runs it: addresses printed, live figures, real stats on NATS, and Ctrl-C leaves nothing behind.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { AggregatorProcess, runCli } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { natsServerBinary } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

/** PIDs of nats-server processes that a demo started (they run with a store under an aggregator-demo- folder). */
function demoNatsServers(): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      return cmd.includes("nats-server") && cmd.includes("aggregator-demo-");
    } catch {
      return false;
    }
  }).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("demo starts a federation, publishes growing stats, and stops cleanly on Ctrl-C", async () => {
  const demo = await AggregatorProcess.start({
    args: ["demo", "--rate", "200", "--interval", "300ms", "--nodes", "8"],
    env: { NATS_SERVER_BIN: natsServerBinary() },
  });
  let client: FederationClient | undefined;
  let natsPid = 0;
  try {
    const banner = await waitFor("the demo's addresses", () => {
      if (demo.stderr) throw new Error(`demo wrote to stderr: ${demo.stderr}`);
      const nats = /NATS\s+(nats:\/\/127\.0\.0\.1:\d+)\s+\(nats-server pid (\d+)/.exec(demo.stdout);
      const http = /HTTP\s+(http:\/\/127\.0\.0\.1:\d+)\/readyz/.exec(demo.stdout);
      const db = /database\s+(\S+)/.exec(demo.stdout);
      return nats && http && db ? { natsUrl: nats[1]!, natsPid: Number(nats[2]), http: http[1]!, db: db[1]! } : undefined;
    }, 20_000);
    natsPid = banner.natsPid;
    expect(alive(natsPid)).toBe(true);
    expect(existsSync(banner.db)).toBe(true);

    await waitFor("the demo's /readyz to answer 200", async () => (await fetch(`${banner.http}/readyz`)).status === 200);

    client = await FederationClient.connect(banner.natsUrl);
    const stats = await client.nextStats((m) => m.data.totalTasks > 0 && m.data.activeNodes === 8);
    expect(stats.data.totalNodes).toBe(8);
    expect(stats.data.completedTasks + stats.data.failedTasks).toBeGreaterThan(0);
    expect(Object.keys(stats.data.continentDistribution).length).toBeGreaterThan(0);
    expect(client.invalidStats).toEqual([]);

    // The live line shows the same figures a monitor reads.
    await waitFor("a live summary line with tasks", () => /nodes 8\/8 active\s+tasks [1-9]\d* \(/.test(demo.stdout));

    await client.close();
    client = undefined;
    expect(await demo.stop("SIGINT")).toBe(0);
    expect(demo.stdout).toContain(`demo stopped: nats-server (pid ${natsPid}) has exited`);
    expect(alive(natsPid)).toBe(false);
    expect(existsSync(banner.db)).toBe(false);
    expect(demo.stderr).toBe("");
  } finally {
    await client?.close();
    await demo.stop("SIGKILL");
    if (natsPid && alive(natsPid)) process.kill(natsPid, "SIGKILL");
  }
}, 60_000);

test("demo without nats-server says how to install it, with exit code 1", async () => {
  const r = await runCli(["demo"], { NATS_SERVER_BIN: "/nonexistent/nats-server" });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe("aggregator demo: NATS_SERVER_BIN is /nonexistent/nats-server, which is not an executable file\n");
});

test("a taken --http-port is one line with exit code 1, and the demo's nats-server goes with it", async () => {
  const before = demoNatsServers();
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await runCli(["demo", "--http-port", String(port)], { NATS_SERVER_BIN: natsServerBinary() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^aggregator demo: cannot start the aggregator: --http-port: cannot listen on 127\\.0\\.0\\.1:${port}: .*\\n$`));
    expect(demoNatsServers().filter((pid) => !before.includes(pid))).toEqual([]);
  } finally {
    taken.close();
  }
});
