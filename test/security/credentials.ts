// Makes the credentials the security tests need (TLS certificates, NKeys, JWT .creds) in a temp folder, and an authenticated stats watcher.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds,
} from "@nats-io/jwt";
import type { ConnectionOptions, NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { networkStatsMessageSchema, type NetworkStatsMessage } from "../../src/protocol/stats-message.ts";
import { STATS_SUBJECT } from "../../src/protocol/subjects.ts";
import { waitFor } from "../helpers/wait.ts";

export interface TlsMaterial {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A private CA, a server certificate for 127.0.0.1 and a client certificate, all signed by that CA. */
export function makeTlsMaterial(dir: string): TlsMaterial {
  const p = (f: string) => join(dir, f);
  openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca", "-keyout", p("ca.key"), "-out", p("ca.pem")]);
  // The client verifies the server by IP, so the certificate must carry it as a SAN.
  writeFileSync(p("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  writeFileSync(p("client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const who of ["server", "client"]) {
    openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${who}`, "-keyout", p(`${who}.key`), "-out", p(`${who}.csr`)]);
    openssl(dir, ["x509", "-req", "-in", p(`${who}.csr`), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", p(`${who}.ext`), "-out", p(`${who}.pem`)]);
  }
  return { ca: p("ca.pem"), serverCert: p("server.pem"), serverKey: p("server.key"), clientCert: p("client.pem"), clientKey: p("client.key") };
}

/** nats-server `tls {}` block; `verify` makes the server demand a client certificate signed by the CA. */
export function tlsServerConfig(t: TlsMaterial, verify: boolean): string {
  return `tls { cert_file: "${t.serverCert}", key_file: "${t.serverKey}", ca_file: "${t.ca}", verify: ${verify}, timeout: 2 }`;
}

export interface NkeyUser {
  publicKey: string;
  seed: string;
}

export function makeNkeyUser(): NkeyUser {
  const kp = createUser();
  return { publicKey: kp.getPublicKey(), seed: new TextDecoder().decode(kp.getSeed()) };
}

// Anything left unset in an account JWT's limits defaults to 0, which forbids connecting at all.
const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
const JETSTREAM_UNLIMITED = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };

export interface JwtSetup {
  /** nats-server configuration text: operator mode with an in-memory resolver holding both accounts. */
  serverConfig: string;
  /** .creds file text for a user of the APP account (JWT + the user's seed). */
  creds: string;
  /** The seed line inside `creds`: the part that must never leak. */
  seed: string;
}

/** An operator, a system account and an APP account with JetStream, and one user of APP. */
export async function makeJwtSetup(): Promise<JwtSetup> {
  const okp = createOperator();
  const sys = createAccount();
  const app = createAccount();
  const user = createUser();
  const operatorJwt = await encodeOperator("OP", okp, { system_account: sys.getPublicKey() });
  const sysJwt = await encodeAccount("SYS", sys, { limits: UNLIMITED }, { signer: okp });
  const appJwt = await encodeAccount("APP", app, { limits: { ...UNLIMITED, ...JETSTREAM_UNLIMITED } }, { signer: okp });
  const userJwt = await encodeUser("svc", user, app, { pub: { allow: [">"] }, sub: { allow: [">"] } });
  const serverConfig = [
    `operator: ${operatorJwt}`,
    `system_account: ${sys.getPublicKey()}`,
    "resolver: MEMORY",
    `resolver_preload: { ${sys.getPublicKey()}: ${sysJwt}, ${app.getPublicKey()}: ${appJwt} }`,
  ].join("\n");
  return { serverConfig, creds: new TextDecoder().decode(fmtCreds(userJwt, user)), seed: new TextDecoder().decode(user.getSeed()) };
}

/** A client of the federation with its own credentials that records every stats message the service publishes. */
export class StatsWatcher {
  readonly stats: NetworkStatsMessage[] = [];

  private constructor(readonly nc: NatsConnection) {}

  static async connect(opts: ConnectionOptions): Promise<StatsWatcher> {
    const w = new StatsWatcher(await connect(opts));
    w.nc.subscribe(STATS_SUBJECT, {
      callback: (_err, msg) => {
        const parsed = networkStatsMessageSchema.safeParse(msg.json());
        if (parsed.success) w.stats.push(parsed.data);
      },
    });
    await w.nc.flush();
    return w;
  }

  /** A stats message that arrives after this call and satisfies `predicate`. */
  next(predicate: (m: NetworkStatsMessage) => boolean = () => true, timeoutMs = 15_000): Promise<NetworkStatsMessage> {
    const from = this.stats.length;
    return waitFor("a stats message from the service", () => this.stats.slice(from).find(predicate), timeoutMs);
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }
}
