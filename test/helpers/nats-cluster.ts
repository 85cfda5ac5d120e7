// A real three-server (or five) JetStream cluster on 127.0.0.1 for a test: routes between free ports, each server stoppable by PID.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { TestNatsServer } from "./nats-server.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./wait.ts";

export class TestNatsCluster {
  private constructor(readonly servers: TestNatsServer[]) {}

  static async start(size = 3): Promise<TestNatsCluster> {
    const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const name = `agg-test-${process.pid}`;
    const servers = await Promise.all(routePorts.map((port, i) => TestNatsServer.start({
      jetstream: true,
      config: [
        `server_name: n${i + 1}`,
        `cluster { name: "${name}", listen: "127.0.0.1:${port}", routes: [${routePorts.filter((p) => p !== port).map((p) => `"nats://127.0.0.1:${p}"`).join(", ")}] }`,
      ].join("\n"),
    })));
    const cluster = new TestNatsCluster(servers);
    await cluster.waitForJetStream();
    return cluster;
  }

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Until every running server answers JetStream requests: the cluster has a meta leader and all peers. */
  async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    for (const s of this.servers) {
      if (s.pid === undefined) continue;
      const nc = await connect({ servers: s.url });
      try {
        await waitFor(`JetStream on cluster server ${s.url}`, async () => {
          const jsm = await jetstreamManager(nc, { timeout: 2000 });
          await jsm.getAccountInfo();
          return true;
        }, timeoutMs, 200);
      } finally {
        await nc.close();
      }
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.dispose()));
  }
}
