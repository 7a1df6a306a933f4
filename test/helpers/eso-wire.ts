/**
 * One ESO wiring run in-process, as ensure-local-secrets makes it: the real
 * adapters (createHost) against the in-process stand-ins of a `startWorld()`,
 * a JSON logger the test reads record by record, and what the run returned or
 * threw. The world's environment is the base; `env` replaces entries of it
 * (undefined removes one).
 */
import { rmSync } from "node:fs";
import { createHost, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Clock, Host } from "../../src/flows/host.js";
import { wireEso } from "../../src/flows/wire-eso.js";
import type { World } from "../../src/sandbox/world.js";
import { type CapturedLog, captureLog } from "./flow-run.js";
import { makeWorkspace } from "./workspace.js";

export interface WireOutcome {
  result: Awaited<ReturnType<typeof wireEso>> | undefined;
  error: unknown;
  log: CapturedLog;
  host: Host;
}

export async function wireOnce(
  world: World,
  options: { forceSync?: boolean; refreshOnly?: Set<string>; forceConflicts?: boolean } = {},
  setup: {
    /** dev-bootstrap.yaml's text. */
    config?: string;
    env?: Record<string, string | undefined>;
    clock?: Clock;
    /** Replaces ports of the Host the run gets (a Kubernetes client seen as another cluster). */
    host?: (host: Host) => Partial<Host>;
  } = {},
): Promise<WireOutcome> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [k, v] of Object.entries({ ...world.env, ...setup.env }))
    if (v !== undefined) env[k] = v;
  const ws = makeWorkspace(setup.config ? { "dev-bootstrap.yaml": setup.config } : {});
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const masker = new SecretMasker();
  const clock = setup.clock ?? systemClock;
  const base = createHost({ resolved, masker, env, clock });
  const host: Host = { ...base, ...setup.host?.(base) };
  const log = captureLog({ command: "ensure-local-secrets", clock, masker });
  try {
    const result = await wireEso(host, resolved, log.log, {
      forceSync: options.forceSync ?? false,
      forceConflicts: options.forceConflicts ?? false,
      ...(options.refreshOnly ? { refreshOnly: options.refreshOnly } : {}),
    });
    return { result, error: undefined, log, host };
  } catch (error) {
    return { result: undefined, error, log, host };
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
}

/** The Ready condition ESO's controller writes on an ExternalSecret or a store. */
export function readyStatus(
  ready: boolean,
  reason: string,
  message: string,
  syncedResourceVersion?: string,
) {
  return {
    conditions: [{ type: "Ready", status: ready ? "True" : "False", reason, message }],
    ...(syncedResourceVersion ? { syncedResourceVersion } : {}),
  };
}

/**
 * A store the platform made, for eso.auth existing: Vault token auth from the
 * platform's own Secret (`token`), as a platform team writes it, both owned by the
 * field manager "platform". A SecretStore lives in `namespace`; a
 * ClusterSecretStore's token Secret in external-secrets.
 */
export function putPlatformStore(
  world: World,
  kind: "ClusterSecretStore" | "SecretStore",
  token: string,
  namespace?: string,
): void {
  world.kube.put(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "platform-vault-token", namespace: namespace ?? "external-secrets" },
      data: { token: Buffer.from(token).toString("base64") },
    },
    "platform",
  );
  world.kube.put(
    {
      apiVersion: "external-secrets.io/v1",
      kind,
      metadata: { name: "platform-vault", ...(namespace ? { namespace } : {}) },
      spec: {
        provider: {
          vault: {
            server: world.vaultAddr,
            path: "secret",
            version: "v2",
            auth: {
              tokenSecretRef: {
                name: "platform-vault-token",
                key: "token",
                ...(namespace ? {} : { namespace: "external-secrets" }),
              },
            },
          },
        },
      },
    },
    "platform",
  );
}
