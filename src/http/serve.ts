// Serves a fetch handler on the runtime at hand: Bun.serve, Deno.serve, or node:http.
import { currentRuntime } from "../runtime.ts";

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

type FetchHandler = (req: Request) => Response | Promise<Response>;

export async function serveHttp(fetch: FetchHandler, hostname: string, port: number): Promise<HttpServer> {
  const runtime = currentRuntime();
  if (runtime === "bun") {
    const bun = (globalThis as unknown as { Bun: { serve(o: object): { port: number; stop(force?: boolean): Promise<void> | void } } }).Bun;
    const server = bun.serve({ fetch, hostname, port });
    return { port: server.port, close: async () => void (await server.stop(true)) };
  }
  if (runtime === "deno") {
    const deno = (globalThis as unknown as { Deno: { serve(o: object, h: FetchHandler): { addr: { port: number }; shutdown(): Promise<void> } } }).Deno;
    const server = deno.serve({ hostname, port, onListen: () => {} }, fetch);
    return { port: server.addr.port, close: () => server.shutdown() };
  }
  return serveWithNodeHttp(fetch, hostname, port);
}

async function serveWithNodeHttp(fetch: FetchHandler, hostname: string, port: number): Promise<HttpServer> {
  const { createServer } = await import("node:http");
  const server = createServer(async (req, res) => {
    try {
      const url = `http://${req.headers.host ?? `${hostname}:${port}`}${req.url ?? "/"}`;
      // The endpoints are all GETs without bodies; a body is never read.
      const response = await fetch(new Request(url, { method: req.method }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
