// Which JavaScript runtime is executing: the edges (SQLite driver, HTTP server) choose their implementation by it.

export type Runtime = "bun" | "deno" | "node";

export function currentRuntime(): Runtime {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}
