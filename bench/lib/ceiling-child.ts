// Child process: the ceiling. A bare core-NATS subscriber on the inbound subjects that only decodes,
// JSON-parses and counts. Usage: bun bench/lib/ceiling-child.ts <nats-url>
import { connect } from "@nats-io/transport-node";
import { INBOUND_SUBJECTS } from "../../src/protocol/subjects.ts";
import { readCommands, reply } from "./child.ts";

const [url] = process.argv.slice(2);
const nc = await connect({ servers: url!, name: "bench-ceiling", maxReconnectAttempts: -1 });
const utf8 = new TextDecoder("utf-8", { fatal: true });

let received = 0;
let parsed = 0;
let firstAt = 0;
let lastAt = 0;
let disconnects = 0;
let slowConsumer = 0;

for (const subject of Object.keys(INBOUND_SUBJECTS)) {
  nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return;
      const now = Date.now();
      if (received === 0) firstAt = now;
      lastAt = now;
      received++;
      const o = JSON.parse(utf8.decode(msg.data));
      if (typeof o === "object" && o !== null) parsed++;
    },
  });
}
void (async () => {
  for await (const s of nc.status()) {
    if (s.type === "disconnect") disconnects++;
    if (s.type === "slowConsumer") slowConsumer++;
  }
})().catch(() => undefined);
// A round trip makes sure the server has every SUB before the publisher starts.
await nc.flush();
reply("READY", {});

readCommands(async (line) => {
  if (line === "REPORT") reply("COUNT", { received, parsed, firstAt, lastAt, disconnects, slowConsumer });
  else if (line === "EXIT") {
    await nc.close();
    process.exit(0);
  }
});
