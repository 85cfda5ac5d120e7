// Log lines never carry a configured secret, however the line is encoded.
import { expect, test } from "bun:test";
import { createLogger } from "../../src/log/logger.ts";

test("a secret with a quote or backslash is scrubbed from text and JSON lines", () => {
  const secret = 'pa"ss\\word';
  for (const format of ["text", "json"] as const) {
    const lines: string[] = [];
    const log = createLogger({ level: "debug", format, secrets: [secret], write: (l) => lines.push(l) });
    log.warn(`refused with ${secret}`, { error: `bad ${secret}` });
    const out = lines.join("\n");
    expect(out).not.toContain(secret);
    expect(out).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(out).toContain("[redacted]");
  }
});
