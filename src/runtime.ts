// Which JavaScript runtime is executing, and what it lacks: the edges (SQLite driver, HTTP server, NATS transport) adapt to it.

export type Runtime = "bun" | "deno" | "node";

export function currentRuntime(): Runtime {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/**
 * Why ws:// and wss:// cannot work here, or undefined when they can. The NATS WebSocket transport
 * needs a global WebSocket: Bun, Deno and Node 22+ have one; Node 20 only with a flag.
 */
export function webSocketUnavailableReason(): string | undefined {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function") return undefined;
  const node = typeof process !== "undefined" ? process.versions?.node : undefined;
  return `this runtime has no WebSocket (Node ${node ?? "?"} needs --experimental-websocket, which npm run start:node passes; Node 22 and later have it built in)`;
}
