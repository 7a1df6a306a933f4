/** Turns Kubernetes API errors into one-line StepErrors with the command that fixes them. */
import type { Kube } from "../adapters/kube.js";
import { KubeApiError } from "../adapters/kube-api-error.js";
import type { Config } from "../config/schema.js";
import { StepError } from "../core/errors.js";
import type { CheckpointLogger } from "../log/logger.js";

const plural = (kind: string) =>
  kind.endsWith("s") ? kind.toLowerCase() : `${kind.toLowerCase()}s`;

/** A StepError for an API error, or the error itself when it is not one. */
export function explainKubeError(error: unknown): unknown {
  if (!(error instanceof KubeApiError)) return error;
  const [namespace] = error.target.includes("/") ? error.target.split("/") : [undefined];
  const scope = namespace ? ` -n ${namespace}` : "";
  if (error.status === 403) {
    // RBAC knows a server-side apply as the PATCH request it is: no role grants "apply".
    const rbacVerb = error.verb === "apply" ? "patch" : error.verb;
    return new StepError(
      `forbidden: cannot ${error.verb} ${plural(error.resource)}${namespace ? ` in namespace ${namespace}` : ""} (RBAC)`,
      `grant '${rbacVerb}' on ${plural(error.resource)}${namespace ? ` in ${namespace}` : ""}; check with: kubectl auth can-i ${rbacVerb} ${plural(error.resource)}${scope}`,
    );
  }
  if (error.status === 401) {
    return new StepError(
      `the Kubernetes API rejected our credentials (401 Unauthorized)`,
      "refresh the kubeconfig credentials (kubectl config view --minify)",
    );
  }
  return new StepError(error.message, "inspect it with kubectl; rerun when fixed");
}

/** Makes sure a namespace exists: creates it, or fails with the command to run (config). */
export async function ensureNamespace(
  kube: Kube,
  name: string,
  config: Config,
  log: CheckpointLogger,
  step: string,
): Promise<void> {
  try {
    if (await kube.read("v1", "Namespace", undefined, name)) return;
    if (config.kube.namespaceMissing === "fail") {
      throw new StepError(
        `namespace ${name} does not exist`,
        `create it: kubectl create namespace ${name} (or set kube.namespaceMissing: create)`,
      );
    }
    await kube.create(
      { apiVersion: "v1", kind: "Namespace", metadata: { name } },
      config.kube.fieldManager,
    );
    log.note(step, `created namespace ${name}`);
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 409) return; // created concurrently
    throw explainKubeError(error);
  }
}
