// Experiment: would a second thread help core-mode ingest? The real pipeline inline vs in a worker thread (raw
// payloads handed over in transferred chunks), against the bare subscriber, same publisher and server, with
// the CPU time each process spent per message (from /proc/PID/stat).
//   bun bench/experiments/split-driver.ts [--messages 1000000] [--modes bare,inline,worker]   env: SPLIT_PROF=DIR (cpu profiles)
import { join } from "node:path";
import { tempDir } from "../../test/helpers/aggregator-process.ts";
import { intArg, strArg } from "../lib/args.ts";
import { LineChild } from "../lib/child.ts";
import { Publisher, runCeiling, type PublishDone } from "../lib/ingest.ts";
import { startBenchNats } from "../lib/nats.ts";
import { procCpuSeconds as cpu, RssSampler } from "../lib/proc.ts";
import { log } from "../lib/result.ts";
import { roundMessages } from "../lib/traffic.ts";

const messages = roundMessages(intArg("messages", 1_000_000, 20_000));
const modes = (strArg("modes") ?? "inline,worker").split(",");
const nats = await startBenchNats();
const publisher = await Publisher.start(nats.url, messages);
try {
  const pubPid = publisher.child.pid, srvPid = nats.server.pid!;
  let p0 = cpu(pubPid), s0 = cpu(srvPid);
  const c = await runCeiling(nats, publisher);
  log(`ceiling cpu/msg: publisher ${((cpu(pubPid) - p0) / messages * 1e6).toFixed(2)} µs, server ${((cpu(srvPid) - s0) / messages * 1e6).toFixed(2)} µs`);
  log(`ceiling ${Math.round(c.rate)} msgs/s`);
  for (const mode of modes) {
    const child = new LineChild(join(import.meta.dir, "split-child.ts"), [nats.url, join(tempDir("split-"), "agg.db"), mode], process.env.SPLIT_PROF ? ["--cpu-prof-md", "--cpu-prof", `--cpu-prof-dir=${process.env.SPLIT_PROF}`] : []);
    await child.next("READY");
    const sampler = new RssSampler(child.pid, 100);
    p0 = cpu(pubPid); s0 = cpu(srvPid); const c0 = cpu(child.pid);
    let pub: PublishDone | null = null;
    const publishing = publisher.go().then((d) => (pub = d));
    let r: any;
    for (;;) {
      await new Promise((res) => setTimeout(res, 25));
      r = await child.request("REPORT", "COUNT");
      if (r.committed >= messages && r.waiting === 0) break;
    }
    const doneAt = Date.now();
    await publishing;
    const rate = messages / ((doneAt - pub!.firstAt) / 1000);
    log(`${mode}: ${Math.round(rate)} msgs/s = ${(rate / c.rate * 100).toFixed(1)}% of ceiling; peak RSS ${(sampler.stop() / 1048576).toFixed(0)} MB`);
    log(`  cpu/msg: publisher ${((cpu(pubPid) - p0) / messages * 1e6).toFixed(2)} µs, server ${((cpu(srvPid) - s0) / messages * 1e6).toFixed(2)} µs, subscriber ${((cpu(child.pid) - c0) / messages * 1e6).toFixed(2)} µs`);
    await child.stop();
  }
} finally {
  await publisher.stop();
  await nats.dispose();
}
