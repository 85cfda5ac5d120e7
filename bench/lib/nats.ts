// A real nats-server for benchmarks (test/helpers/nats-server.ts) with its monitoring endpoint enabled.
import { TestNatsServer } from "../../test/helpers/nats-server.ts";
import { freePort } from "../../test/helpers/ports.ts";

export interface BenchNats {
  server: TestNatsServer;
  url: string;
  monitorPort: number;
  varz(): Promise<{ slow_consumers: number; in_msgs: number; out_msgs: number; connections: number; version: string; [k: string]: unknown }>;
  connz(): Promise<{ connections: { name?: string; subscriptions?: number; pending_bytes?: number; out_msgs?: number; [k: string]: unknown }[] }>;
  dispose(): Promise<void>;
}

export async function startBenchNats(opts: { jetstream?: boolean } = {}): Promise<BenchNats> {
  const monitorPort = await freePort();
  const server = await TestNatsServer.start({ jetstream: opts.jetstream, config: `http: "127.0.0.1:${monitorPort}"` });
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${monitorPort}${path}`);
    return res.json() as Promise<any>;
  };
  return {
    server,
    url: server.url,
    monitorPort,
    varz: () => get("/varz"),
    connz: () => get("/connz?limit=1024"),
    dispose: () => server.dispose(),
  };
}
