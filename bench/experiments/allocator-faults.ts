// Experiment: what a page fault costs on this machine, and what it does to decoding messages when the allocator has handed memory back.
//
//   bun bench/experiments/allocator-faults.ts            (then again with MIMALLOC_PURGE_DELAY=-1 or MIMALLOC_PURGE_HOLES=0)
//
// Part 1 touches one byte of each 4 KiB page of fresh buffers: the time per page is the cost of a first-touch fault.
// Part 2 decodes 300k bench payloads (UTF-8 only, as decode.ts does before JSON.parse) per round, rotating over 3,000 of
// them, after a Bun.gc(true) (which makes mimalloc return what it freed) and with a 140 MB buffer held, as a process
// with a large heap has. The page faults of the whole process are in /proc/self/stat.
import { procMinorFaults } from "../lib/proc.ts";
import { buildTraffic } from "../lib/traffic.ts";

const minorFaults = () => procMinorFaults(process.pid);

for (let round = 0; round < 3; round++) {
  const pages = 100_000;
  const buf = new Uint8Array(pages * 4096);
  const started = performance.now();
  for (let i = 0; i < pages; i++) buf[i * 4096] = 1;
  console.log(`first touch of a fresh page: ${(((performance.now() - started) * 1000) / pages).toFixed(2)} µs`);
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const payloads = buildTraffic(3000).payloads.map((p) => p.slice());
const held = new Uint8Array(140_000_000).fill(1);
const perRound = 300_000;
for (let round = 0; round < 4; round++) {
  Bun.gc(true);
  const faults = minorFaults();
  const started = performance.now();
  let chars = 0;
  for (let i = 0; i < perRound; i++) chars += decoder.decode(payloads[i % payloads.length]!).length;
  const us = ((performance.now() - started) * 1000) / perRound;
  console.log(`round ${round}: UTF-8 decode ${us.toFixed(3)} µs per message, ${(minorFaults() - faults).toLocaleString()} page faults (${chars} chars, ${held.length} bytes held)`);
}
