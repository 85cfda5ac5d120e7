// Reads a systemd EnvironmentFile (NAME=value lines), so check-config can validate /etc/aggregator/env before a restart.
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config.ts";
import { fileErrorText } from "../file-errors.ts";

/** The subset of systemd's syntax that deployments use: comments, blank lines, NAME=value, optional quotes. */
export function parseEnvFile(text: string, path: string): Map<string, string> {
  const vars = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new ConfigError(`${path} line ${i + 1}: expected NAME=value (got "${line.slice(0, 40)}")`);
    let value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) value = value.slice(1, -1);
    vars.set(m[1]!, value);
  });
  return vars;
}

export function readEnvFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`--env-file: cannot read ${path}: ${fileErrorText(err)}`);
  }
  return parseEnvFile(text, path);
}
