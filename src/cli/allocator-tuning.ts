// Restarts `aggregator run` in place (execve: same PID, same arguments) once, with Bun's allocator told not to purge the holes of pages in use.
//
// Why: Bun's mimalloc hands the free blocks inside pages still in use back to the kernel whenever
// the event loop idles, and under ingest the loop idles between socket reads. The next burst of
// messages reuses those blocks, so each comes back as a page fault, ~10 µs on the test VM. With the
// holes kept, bench 1 measured 3-6% less CPU per message (BENCHMARKS.md). The allocator reads its
// options only when the process starts, hence the re-exec. Whole free pages are still returned after
// mimalloc's usual delay, so the memory at rest stays that of a process that purges.
import { readFileSync } from "node:fs";
import { currentRuntime } from "../runtime.ts";

/** What the service runs with unless the operator set the variable, to any value. */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MIMALLOC_PURGE_HOLES: "0" };

/** The variables still to add to `env`; none once they are there (the re-exec's own start). */
export function missingAllocatorEnv(env: Readonly<Record<string, string | undefined>>): [string, string][] {
  return Object.entries(ALLOCATOR_ENV).filter(([name]) => env[name] === undefined);
}

/** A process's NUL-terminated /proc file (`/proc/PID/cmdline`, `/proc/PID/environ`) as its entries. */
export function procEntries(file: string): string[] {
  const entries = readFileSync(file, "latin1").split("\0");
  if (entries.at(-1) === "") entries.pop();
  return entries;
}

/**
 * Re-executes this process with ALLOCATOR_ENV added, when it runs on Bun under Linux and the
 * variables are missing. Returns only when it did not (other runtime, already set, or execve
 * failed: the service then runs as it would have, just without the tuning).
 */
export async function reexecWithAllocatorEnv(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const missing = missingAllocatorEnv(env);
  if (missing.length === 0 || currentRuntime() !== "bun" || process.platform !== "linux") return;
  try {
    // The exact words this process was started with: a compiled binary and `bun src/main.ts` alike.
    const argv = procEntries("/proc/self/cmdline");
    const envp = [...procEntries("/proc/self/environ"), ...missing.map(([k, v]) => `${k}=${v}`)];
    const { dlopen, FFIType, ptr } = await import("bun:ffi");
    const cstrings = (list: string[]) => list.map((s) => Buffer.from(`${s}\0`, "latin1"));
    const pointers = (bufs: Buffer[]) => BigUint64Array.from([...bufs.map((b) => BigInt(ptr(b))), 0n]);
    const argBufs = cstrings(argv);
    const envBufs = cstrings(envp);
    const argvPtrs = pointers(argBufs);
    const envpPtrs = pointers(envBufs);
    const path = Buffer.from("/proc/self/exe\0", "latin1");
    const libc = dlopen("libc.so.6", { execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } });
    libc.symbols.execve(ptr(path), ptr(argvPtrs), ptr(envpPtrs));
    // The pointer arrays hold raw addresses: this use keeps the strings they point to alive until execve has read them.
    void [argBufs, envBufs];
    // Still here: execve refused (a sandbox, a removed binary). Run untuned rather than not at all.
    libc.close();
  } catch {
    // No FFI in this build, no /proc: the same, run untuned.
  }
}
