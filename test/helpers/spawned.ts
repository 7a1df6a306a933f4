/**
 * A built entrypoint running as a real process that a test can watch and
 * signal: wait for a line of its own output, send SIGINT/SIGTERM, await its exit.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { VaultStandIn } from "../../src/sandbox/vault-server.js";
import { BIN, cleanEnv } from "./cli.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "./workspace.js";

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves when stdout or stderr has printed a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Resolves with the exit code; -1 when a signal killed it (no exit code of its own). */
  exited: Promise<number>;
}

export function spawnCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] },
): Spawned {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onData = (d: Buffer) => {
    text += d.toString();
    for (const w of [...waiters])
      if (w.pattern.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  return {
    child,
    output: () => text,
    waitFor(pattern) {
      if (pattern.test(text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then(() =>
          reject(new Error(`exited before printing ${pattern}; output:\n${text}`)),
        );
      });
    },
    exited,
  };
}

/** A server that accepts connections and never answers (a hung API server). */
export interface HungServer {
  url: string;
  /** Resolves at the next accepted connection (or at once if one is already open). */
  connected(): Promise<void>;
  connections: number;
  close(): Promise<void>;
}

export async function startHungServer(): Promise<HungServer> {
  const sockets = new Set<Socket>();
  let waiting: Array<() => void> = [];
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    for (const w of waiting) w();
    waiting = [];
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    connected: () =>
      sockets.size > 0 ? Promise.resolve() : new Promise<void>((r) => waiting.push(r)),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A kubeconfig whose only cluster is `server` (plain http, as the stand-ins serve). */
export function kubeconfigFor(server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: hung",
    "    cluster:",
    `      server: ${server}`,
    "      insecure-skip-tls-verify: true",
    "users:",
    "  - name: hung",
    "    user:",
    "      token: not-a-real-token",
    "contexts:",
    "  - name: hung",
    "    context: { cluster: hung, user: hung }",
    "current-context: hung",
    "",
  ].join("\n");
}

/**
 * A workspace whose kubeconfig points at an API that accepts connections and never
 * answers, beside a Vault stand-in that does answer, and the environment a run
 * spawned there needs: the set-up of every "hung cluster" test.
 */
export interface HungCluster {
  hung: HungServer;
  vault: VaultStandIn;
  vaultAddr: string;
  ws: Workspace;
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startHungCluster(config: string): Promise<HungCluster> {
  const hung = await startHungServer();
  const vault = new VaultStandIn();
  const vaultAddr = await vault.listen();
  const ws = makeWorkspace({
    "dev-bootstrap.yaml": config,
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
    kubeconfig: kubeconfigFor(hung.url),
  });
  return {
    hung,
    vault,
    vaultAddr,
    ws,
    env: (extra = {}) =>
      cleanEnv({
        KUBECONFIG: join(ws.dir, "kubeconfig"),
        VAULT_ADDR: vaultAddr,
        VAULT_TOKEN: vault.rootToken,
        ...extra,
      }),
    close: async () => {
      await hung.close();
      await vault.close();
    },
  };
}
