// `aggregator check-config`: validates the configuration as the service would and prints it, secrets redacted.
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError, VARIABLES, describeConfig, loadConfig, type Config } from "../config/config.ts";
import { VERSION } from "../version.ts";
import { assertTransportAvailable } from "./cli-connection.ts";
import type { Command, Env } from "./command.ts";
import { readEnvFile } from "./env-file.ts";
import { fileErrorText } from "../file-errors.ts";
import { EXIT } from "./exit-codes.ts";
import { configurationHelp } from "./help.ts";
import { suggest } from "./options.ts";

const NAME = "check-config";
const AUTH_VARIABLES = ["NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS"];

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** What the service will need of the file system, checked without creating or changing anything. */
function fileChecks(config: Config): string[] {
  const results: string[] = [];
  if (config.dbPath !== ":memory:") {
    const folder = dirname(resolve(config.dbPath));
    let existing = folder;
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    if (!statSync(existing).isDirectory()) {
      throw new ConfigError(existing === folder
        ? `DB_PATH: ${folder} is a file, not a folder`
        : `DB_PATH: folder ${folder} cannot be created because ${existing} is a file`);
    }
    if (!writable(existing)) throw new ConfigError(`DB_PATH: folder ${existing} is not writable by this user`);
    results.push(existing === folder
      ? `DB_PATH: folder ${folder} exists and is writable`
      : `DB_PATH: folder ${folder} will be created (${existing} is writable)`);
  }
  const creds = config.nats.credsFile;
  if (creds !== undefined) {
    let text: string;
    try {
      text = readFileSync(creds, "utf8");
    } catch (err) {
      throw new ConfigError(`NATS_CREDS: cannot read ${creds}: ${fileErrorText(err)}`);
    }
    if (!text.includes("BEGIN NATS USER JWT")) throw new ConfigError(`NATS_CREDS: ${creds} is not a .creds file (it has no NATS USER JWT block)`);
    results.push(`NATS_CREDS: ${creds} is readable and holds a user JWT`);
  }
  return results;
}

function sourceOf(key: string, env: Env, fileVars: ReadonlyMap<string, string>, envFile?: string): string {
  const names = key === "NATS_AUTH" ? AUTH_VARIABLES : [key];
  const set = names.filter((n) => env[n] !== undefined && env[n] !== "");
  if (set.length === 0) return "default";
  return set.some((n) => fileVars.has(n)) ? `from ${envFile}` : "from the environment";
}

export const checkConfigCommand: Command = {
  name: NAME,
  summary: "validate the configuration and print it, secrets redacted",
  usage: "check-config [--env-file PATH]",
  description: `Reads the configuration exactly as "aggregator run" does, reports the first problem as
one line (exit code 2), or prints the effective configuration with secrets redacted and
checks that the database folder is writable and the credentials file readable. Nothing
is created or changed.`,
  options: [
    { name: "env-file", kind: "text", value: "PATH", description: "also read NAME=value lines from PATH, as systemd's EnvironmentFile= does; they win over the environment" },
  ],
  examples: ["aggregator check-config", "sudo aggregator check-config --env-file /etc/aggregator/env"],
  moreHelp: configurationHelp,
  async run(options, processEnv) {
    const envFile = options.text("env-file");
    const fileVars = envFile ? readEnvFile(envFile) : new Map<string, string>();
    const env: Env = { ...processEnv, ...Object.fromEntries(fileVars) };
    const config = loadConfig(env);
    assertTransportAvailable(config.nats, "NATS_URL");
    const checks = fileChecks(config);

    const known = VARIABLES.map((v) => v.name);
    const warnings = [...fileVars.keys()].filter((k) => !known.includes(k)).map((k) => {
      const close = suggest(k, known);
      return `${k} in ${envFile} is not a variable the aggregator reads${close ? ` (did you mean ${close}?)` : ""}`;
    });

    const rows = Object.entries(describeConfig(config)).map(([k, v]) => [k, String(v), sourceOf(k, env, fileVars, envFile)] as const);
    const kw = Math.max(...rows.map(([k]) => k.length));
    const vw = Math.max(...rows.map(([, v]) => v.length));
    const out = [
      `aggregator ${VERSION}: the configuration is valid (secrets redacted)`,
      "",
      ...rows.map(([k, v, s]) => `  ${k.padEnd(kw)}  ${v.padEnd(vw)}  ${s}`),
      "",
      ...checks.map((c) => `  ok       ${c}`),
      ...warnings.map((w) => `  warning  ${w}`),
    ];
    process.stdout.write(`${out.join("\n")}\n`);
    return EXIT.ok;
  },
};
