// Free TCP ports on 127.0.0.1, found by letting the kernel choose.
import { createServer } from "node:net";

const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const addr = srv.address();
        const p = typeof addr === "object" && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    // Never hand the same port to two servers of one test run.
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
