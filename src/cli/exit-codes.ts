// The process exit codes the CLI promises.
export const EXIT = { ok: 0, runtime: 1, usage: 2 } as const;
