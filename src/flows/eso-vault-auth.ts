/**
 * Vault's side of the store's Kubernetes auth (eso.auth: kubernetes), configured
 * with the token dev-bootstrap already has, so that no Vault token is stored in the
 * cluster: the `kubernetes` auth method (enabled when it is not there yet, and pointed
 * at the API server when it has no config), a policy reading exactly the ExternalSecrets' paths, and
 * a role binding the store's service account to that policy.
 *
 * References: developer.hashicorp.com/vault/api-docs/system/auth,
 * …/api-docs/system/policies, …/api-docs/auth/kubernetes.
 */
import type { Vault } from "../adapters/vault.js";
import { VaultHttpError } from "../adapters/vault-errors.js";
import type { Config } from "../config/schema.js";
import { StepError } from "../core/errors.js";
import { ESO_AUDIENCE, esoVaultPolicy, kubernetesAuthNames } from "../core/manifests.js";

interface KubernetesAuthResult {
  /** True when this run enabled the auth method. */
  enabled: boolean;
  /** True when this run wrote the method's config (it had none). */
  configured: boolean;
  role: string;
  policy: string;
}

/** Mounted auth methods as `GET sys/auth` lists them (`<path>/` → type), answer or its `data`. */
type AuthList = Record<string, unknown> & { data?: Record<string, { type?: string }> };

export async function configureKubernetesAuth(
  vault: Vault,
  config: Config,
): Promise<KubernetesAuthResult> {
  const names = kubernetesAuthNames(config);
  const step = async <T>(what: string, path: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof VaultHttpError && error.status === 403)
        throw new StepError(
          `Vault refused to ${what} (${path}): the token may not configure Kubernetes auth`,
          "use a token with sudo on sys/auth, write on sys/policies/acl and read and write on auth/*, or have the platform team create the store and set eso.auth to existing",
        );
      if (error instanceof VaultHttpError)
        throw new StepError(
          `Vault could not ${what} (${path}): HTTP ${error.status}${error.errors.length ? `: ${error.errors.join("; ")}` : ""}`,
          "check the auth mount (eso.kubernetes.mountPath) with 'vault auth list'",
        );
      throw error;
    }
  };

  const listed = await step("list auth methods", "sys/auth", () =>
    vault.read<AuthList>("/sys/auth"),
  );
  const methods = (listed?.data ?? listed ?? {}) as Record<string, { type?: string } | undefined>;
  const mounted = methods[`${names.mountPath}/`];
  if (mounted && mounted.type !== "kubernetes")
    throw new StepError(
      `Vault's auth method at ${names.mountPath}/ is ${mounted.type ?? "of an unknown type"}, not kubernetes`,
      "set eso.kubernetes.mountPath to the path of a kubernetes auth method ('vault auth list')",
    );
  const enabled = !mounted;
  if (enabled)
    await step("enable the kubernetes auth method", `sys/auth/${names.mountPath}`, () =>
      vault.write(`/sys/auth/${names.mountPath}`, {
        type: "kubernetes",
        description: "ESO's stores (dev-bootstrap)",
      }),
    );
  // A method without a config cannot review ESO's tokens, and every login fails: one a
  // run enabled and was stopped before configuring, or one made by hand. The plugin
  // answers 404 until its config is written (pathConfigRead returns nothing). An
  // existing config is someone's setup: it is left as it is.
  const configured =
    !enabled &&
    (await step("read the kubernetes auth method's config", `auth/${names.mountPath}/config`, () =>
      vault.read(`/auth/${names.mountPath}/config`),
    )) !== undefined;
  if (!configured)
    // Vault reviews service account tokens with the API server at this address.
    await step("configure the kubernetes auth method", `auth/${names.mountPath}/config`, () =>
      vault.write(`/auth/${names.mountPath}/config`, {
        kubernetes_host: config.eso.kubernetes.kubernetesHost,
      }),
    );
  await step("write the policy", `sys/policies/acl/${names.policy}`, () =>
    vault.write(`/sys/policies/acl/${names.policy}`, { policy: esoVaultPolicy(config) }),
  );
  await step("write the role", `auth/${names.mountPath}/role/${names.role}`, () =>
    vault.write(`/auth/${names.mountPath}/role/${names.role}`, {
      bound_service_account_names: [names.serviceAccount],
      bound_service_account_namespaces: [names.namespace],
      // The audience the store asks its tokens for: a token made for another audience fails.
      audience: ESO_AUDIENCE,
      token_policies: [names.policy],
      // ESO logs in for each sync; its tokens need not outlive one.
      token_ttl: 600,
    }),
  );
  return { enabled, configured: !configured, role: names.role, policy: names.policy };
}
