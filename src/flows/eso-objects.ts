/**
 * One ESO object at a time: which ESO API version the cluster serves, applying a
 * manifest only when it changes something (taking over the force-sync trigger),
 * and reading an object's Ready condition.
 */
import type { Kube, KubeObject } from "../adapters/kube.js";
import { KubeApiError } from "../adapters/kube-api-error.js";
import type { Config } from "../config/schema.js";
import { StepError } from "../core/errors.js";
import { changedFields, FORCE_SYNC_ANNOTATION, type Manifest } from "../core/manifests.js";
import { explainKubeError } from "./kube-errors.js";

export const GROUP = "external-secrets.io";

export async function detectEsoVersion(
  kube: Kube,
  wanted: Config["eso"]["apiVersion"],
): Promise<{ version: string; note?: string }> {
  const served = await kube.servedVersions(GROUP).catch((e) => {
    throw explainKubeError(e);
  });
  if (!served || served.versions.length === 0) {
    throw new StepError(
      `External Secrets Operator is not installed: the cluster serves no ${GROUP} API`,
      "install ESO (helm install external-secrets external-secrets/external-secrets -n external-secrets --create-namespace), or rerun with --skip-eso",
    );
  }
  if (wanted !== "auto") {
    if (!served.versions.includes(wanted)) {
      throw new StepError(
        `ESO serves ${served.versions.map((v) => `${GROUP}/${v}`).join(", ")}, but config asks for ${GROUP}/${wanted}`,
        `set eso.apiVersion to ${served.versions[0]} or auto, or upgrade ESO`,
      );
    }
    return { version: wanted };
  }
  const version = served.versions.includes("v1") ? "v1" : (served.preferred ?? served.versions[0]!);
  return version === "v1"
    ? { version }
    : { version, note: `this ESO is older: it serves ${GROUP}/${version}, not v1` };
}

/** At most this many requests in flight while applying (a handful of objects in practice). */
export const APPLY_CONCURRENCY = 8;

export function readCurrent(kube: Kube, manifest: Manifest) {
  const { metadata } = manifest;
  return kube.read(manifest.apiVersion, manifest.kind, metadata.namespace, metadata.name);
}

/**
 * Applies `manifest` unless `existing` (read just before) already holds every field of it.
 * Returns the object as the API server stored it, or false when nothing was applied.
 */
export async function applyIfChanged(
  kube: Kube,
  manifest: Manifest,
  existing: Awaited<ReturnType<Kube["read"]>>,
  /** Our field manager, and whether to take over fields another one owns. */
  options: { fieldManager: string; forceConflicts: boolean },
): Promise<KubeObject | false> {
  const { metadata } = manifest;
  if (existing && changedFields(manifest, existing).length === 0) return false;
  try {
    return await kube.apply(manifest, options.fieldManager, options.forceConflicts);
  } catch (error) {
    if (
      error instanceof KubeApiError &&
      error.status === 409 &&
      error.causes.length &&
      error.causes.every((c) => c.field === `.metadata.annotations.${FORCE_SYNC_ANNOTATION}`)
    ) {
      // force-sync is a trigger, not state: whoever set it last (`kubectl annotate`,
      // a UI) only asked ESO for a refresh, so taking it over loses nothing. The
      // conflict named no other field, so forcing takes over nothing else.
      return await kube.apply(manifest, options.fieldManager, true);
    }
    if (error instanceof KubeApiError && error.status === 409 && error.causes.length) {
      const c = error.causes[0]!;
      throw new StepError(
        `${manifest.kind} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name}: field ${c.field ?? "?"} is owned by another field manager (${c.message ?? error.statusMessage})`,
        "rerun with --force-conflicts to take it over, or change it back with the tool that owns it",
      );
    }
    throw explainKubeError(error);
  }
}

export function readyOf(obj: Record<string, unknown> | undefined): {
  ready: boolean;
  reason: string;
  message: string;
  synced?: string;
} {
  const status = (obj?.status ?? {}) as {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    syncedResourceVersion?: string;
  };
  const cond = status.conditions?.find((c) => c.type === "Ready");
  const out = {
    ready: cond?.status === "True",
    reason: cond?.reason ?? "Pending",
    message: cond?.message ?? "not reconciled yet",
  };
  return status.syncedResourceVersion ? { ...out, synced: status.syncedResourceVersion } : out;
}

/**
 * eso.auth existing: the store someone else made must be there (a ClusterSecretStore,
 * or a SecretStore in each ExternalSecret's namespace); dev-bootstrap changes nothing of
 * it. A store ESO reports not Ready is worth a warning: every sync through it fails.
 */
export async function requireExistingStore(
  kube: Kube,
  config: Config,
  version: string,
  namespaces: readonly string[],
): Promise<string[]> {
  const notReady: string[] = [];
  const { store, storeKind } = config.eso;
  const where = storeKind === "SecretStore" ? namespaces : [undefined];
  for (const ns of where) {
    const found = await kube.read(`${GROUP}/${version}`, storeKind, ns, store);
    if (!found)
      throw new StepError(
        `${storeKind} ${ns ? `${ns}/` : ""}${store} not found: eso.auth existing uses a store someone else made, and creates none`,
        storeKind === "SecretStore"
          ? `a SecretStore serves its own namespace only: create ${store} in ${ns}, or name a ClusterSecretStore (kubectl get clustersecretstores)`
          : "set eso.store to your platform's store (kubectl get clustersecretstores), or set eso.auth to token or kubernetes to have one made",
      );
    const r = readyOf(found as Record<string, unknown>);
    if (r.reason !== "Pending" && !r.ready)
      notReady.push(
        `${storeKind} ${ns ? `${ns}/` : ""}${store} is not Ready (${r.reason}: ${r.message})`,
      );
  }
  return notReady;
}
