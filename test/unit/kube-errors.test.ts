/**
 * Kubernetes API errors as the one line a user reads (FAULTS.md 19: which verb on
 * which resource), and the namespace a step needs (FAULTS.md 18: created, or the
 * command to create it). The RBAC verbs are the API server's request verbs: a
 * server-side apply is a PATCH request, authorised as `patch`; the real kubectl
 * (`kubectl auth can-i apply secrets`, `kubectl create role r --verb=apply`) warns
 * that "verb 'apply' is not a known verb", so the hint names `patch` there.
 */
import { describe, expect, it } from "vitest";
import type { Kube } from "../../src/adapters/kube.js";
import { KubeApiError } from "../../src/adapters/kube-api-error.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { ensureNamespace, explainKubeError } from "../../src/flows/kube-errors.js";
import { virtualClock } from "../helpers/clock.js";
import { captureLog } from "../helpers/flow-run.js";
import { makeWorkspace } from "../helpers/workspace.js";

const apiError = (status: number, verb: string, resource: string, target: string) =>
  new KubeApiError(
    status,
    status === 403 ? "Forbidden" : status === 401 ? "Unauthorized" : "Invalid",
    verb,
    resource,
    target,
    `${resource} "x" is not allowed`,
    [],
  );

const explained = (error: unknown) => {
  const e = explainKubeError(error);
  expect(e).toBeInstanceOf(StepError);
  return { message: (e as StepError).message, hint: (e as StepError).hint };
};

describe("explainKubeError", () => {
  it("403 on a namespaced object: the verb, the resource, the namespace, and the can-i check", () => {
    expect(explained(apiError(403, "get", "Secret", "ameide/db-migrations-local"))).toEqual({
      message: "forbidden: cannot get secrets in namespace ameide (RBAC)",
      hint: "grant 'get' on secrets in ameide; check with: kubectl auth can-i get secrets -n ameide",
    });
  });

  it("403 on a cluster-scoped object: no namespace anywhere; a kind ending in s keeps its name", () => {
    expect(explained(apiError(403, "get", "ClusterSecretStore", "ameide-vault"))).toEqual({
      message: "forbidden: cannot get clustersecretstores (RBAC)",
      hint: "grant 'get' on clustersecretstores; check with: kubectl auth can-i get clustersecretstores",
    });
    // A create of a cluster-scoped object names it "/<name>": still no namespace.
    expect(explained(apiError(403, "create", "Namespace", "/ameide"))).toEqual({
      message: "forbidden: cannot create namespaces (RBAC)",
      hint: "grant 'create' on namespaces; check with: kubectl auth can-i create namespaces",
    });
    expect(explained(apiError(403, "list", "API groups", "/apis")).message).toBe(
      "forbidden: cannot list api groups (RBAC)",
    );
  });

  it("403 on a server-side apply: RBAC knows it as patch, in the grant and in the check", () => {
    expect(
      explained(apiError(403, "apply", "ExternalSecret", "ameide/platform-db-credentials")),
    ).toEqual({
      message: "forbidden: cannot apply externalsecrets in namespace ameide (RBAC)",
      hint: "grant 'patch' on externalsecrets in ameide; check with: kubectl auth can-i patch externalsecrets -n ameide",
    });
  });

  it("401: the credentials, and how to look at them", () => {
    expect(explained(apiError(401, "get", "Secret", "ameide/x"))).toEqual({
      message: "the Kubernetes API rejected our credentials (401 Unauthorized)",
      hint: "refresh the kubeconfig credentials (kubectl config view --minify)",
    });
  });

  it("any other API error: its own one line, and kubectl to look further", () => {
    const error = apiError(422, "update", "Secret", "ameide/x");
    expect(explained(error)).toEqual({
      message: error.message,
      hint: "inspect it with kubectl; rerun when fixed",
    });
    expect(error.message).toBe('update Secret ameide/x: Invalid: Secret "x" is not allowed');
  });

  it("an error that is no API error passes through as it is", () => {
    const plain = new Error("boom");
    expect(explainKubeError(plain)).toBe(plain);
    const step = new StepError("unreachable", "start it");
    expect(explainKubeError(step)).toBe(step);
  });
});

/** A Kubernetes holding some namespaces; records what was created. */
function fakeKube(options: {
  namespaces?: string[];
  onCreate?: () => never;
  onRead?: () => never;
}): Kube & { created: unknown[]; managers: string[] } {
  const created: unknown[] = [];
  const managers: string[] = [];
  const kube = {
    created,
    managers,
    server: "https://127.0.0.1:6443",
    async read(apiVersion: string, kind: string, namespace: string | undefined, name: string) {
      if (options.onRead) options.onRead();
      expect([apiVersion, kind, namespace]).toEqual(["v1", "Namespace", undefined]);
      return options.namespaces?.includes(name)
        ? { apiVersion: "v1", kind: "Namespace", metadata: { name } }
        : undefined;
    },
    async create(obj: unknown, fieldManager: string) {
      if (options.onCreate) options.onCreate();
      created.push(obj);
      managers.push(fieldManager);
      return obj;
    },
  };
  return kube as unknown as Kube & { created: unknown[]; managers: string[] };
}

function setUp(config = "") {
  const ws = makeWorkspace({ "dev-bootstrap.yaml": config });
  const resolved = resolveConfig({ cwd: ws.dir, env: {} });
  const out = captureLog({
    command: "ensure-local-secrets",
    clock: virtualClock(),
    masker: new SecretMasker(),
  });
  return { config: resolved.config, out };
}

describe("ensureNamespace", () => {
  it("an existing namespace: nothing created, nothing said", async () => {
    const { config, out } = setUp();
    const kube = fakeKube({ namespaces: ["ameide"] });
    await ensureNamespace(kube, "ameide", config, out.log, "eso:apply");
    expect(kube.created).toEqual([]);
    expect(out.records()).toEqual([]);
  });

  it("a missing namespace: created as our field manager, with a note under the step", async () => {
    const { config, out } = setUp("kube:\n  fieldManager: my-manager\n");
    const kube = fakeKube({});
    await ensureNamespace(kube, "ameide", config, out.log, "eso:apply");
    expect(kube.created).toEqual([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ameide" } },
    ]);
    expect(kube.managers).toEqual(["my-manager"]);
    expect(out.notes()).toEqual([
      expect.objectContaining({ step: "eso:apply", message: "created namespace ameide" }),
    ]);
  });

  it("namespaceMissing: fail — nothing created, the command to create it", async () => {
    const { config, out } = setUp("kube:\n  namespaceMissing: fail\n");
    const kube = fakeKube({});
    const run = ensureNamespace(kube, "ameide", config, out.log, "eso:apply");
    await expect(run).rejects.toThrow(StepError);
    await expect(run).rejects.toMatchObject({
      message: "namespace ameide does not exist",
      hint: "create it: kubectl create namespace ameide (or set kube.namespaceMissing: create)",
    });
    expect(kube.created).toEqual([]);
  });

  it("created by another run at the same moment (409): fine", async () => {
    const { config, out } = setUp();
    const kube = fakeKube({
      onCreate: () => {
        throw apiError(409, "create", "Namespace", "/ameide");
      },
    });
    await expect(ensureNamespace(kube, "ameide", config, out.log, "eso:apply")).resolves.toBe(
      undefined,
    );
    expect(out.notes()).toEqual([]);
  });

  it("RBAC forbids creating it: which verb on which resource", async () => {
    const { config, out } = setUp();
    const kube = fakeKube({
      onCreate: () => {
        throw apiError(403, "create", "Namespace", "/ameide");
      },
    });
    await expect(
      ensureNamespace(kube, "ameide", config, out.log, "eso:apply"),
    ).rejects.toMatchObject({
      message: "forbidden: cannot create namespaces (RBAC)",
      hint: "grant 'create' on namespaces; check with: kubectl auth can-i create namespaces",
    });
  });

  it("RBAC forbids reading it, or the read fails otherwise: explained as well", async () => {
    const { config, out } = setUp();
    await expect(
      ensureNamespace(
        fakeKube({
          onRead: () => {
            throw apiError(403, "get", "Namespace", "ameide");
          },
        }),
        "ameide",
        config,
        out.log,
        "eso:apply",
      ),
    ).rejects.toMatchObject({ message: "forbidden: cannot get namespaces (RBAC)" });
    const other = apiError(500, "get", "Namespace", "ameide");
    await expect(
      ensureNamespace(
        fakeKube({
          onRead: () => {
            throw other;
          },
        }),
        "ameide",
        config,
        out.log,
        "eso:apply",
      ),
    ).rejects.toMatchObject({
      message: other.message,
      hint: "inspect it with kubectl; rerun when fixed",
    });
  });
});
