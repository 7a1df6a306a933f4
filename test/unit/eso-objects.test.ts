/**
 * Which ESO API version a cluster serves, read from API discovery, and an ESO
 * object's Ready condition. Discovery as Kubernetes answers /apis: each group's
 * served versions and its preferredVersion (kubernetes.io/docs/reference/using-api/
 * #api-groups); ESO 0.17+ serves external-secrets.io/v1 next to v1beta1, older
 * releases v1beta1 (and v1alpha1). The conditions ESO writes: type Ready (reasons
 * SecretSynced, SecretSyncedError) and type Deleted (external-secrets.io/latest/api/
 * externalsecret, "Status").
 */
import { describe, expect, it } from "vitest";
import type { Kube } from "../../src/adapters/kube.js";
import { KubeApiError } from "../../src/adapters/kube-api-error.js";
import { StepError } from "../../src/core/errors.js";
import { applyIfChanged, detectEsoVersion, readyOf } from "../../src/flows/eso-objects.js";

/** A cluster whose discovery answers `served` for the ESO group (or fails with `error`). */
const cluster = (
  served: { versions: string[]; preferred: string | undefined } | undefined,
  error?: unknown,
) =>
  ({
    servedVersions: async (group: string) => {
      expect(group).toBe("external-secrets.io");
      if (error) throw error;
      return served;
    },
  }) as unknown as Kube;

describe("detectEsoVersion", () => {
  it("v1 when the cluster serves it, whichever version discovery prefers", async () => {
    expect(
      await detectEsoVersion(
        cluster({ versions: ["v1beta1", "v1"], preferred: "v1beta1" }),
        "auto",
      ),
    ).toEqual({ version: "v1" });
  });

  it("without v1: the version discovery prefers, with a note that this ESO is older", async () => {
    expect(
      await detectEsoVersion(
        cluster({ versions: ["v1alpha1", "v1beta1"], preferred: "v1beta1" }),
        "auto",
      ),
    ).toEqual({
      version: "v1beta1",
      note: "this ESO is older: it serves external-secrets.io/v1beta1, not v1",
    });
  });

  it("without v1 and no preferred version: the first served", async () => {
    expect(
      await detectEsoVersion(
        cluster({ versions: ["v1beta1", "v1alpha1"], preferred: undefined }),
        "auto",
      ),
    ).toMatchObject({ version: "v1beta1" });
  });

  it("the group absent, or serving no version: not installed", async () => {
    for (const served of [undefined, { versions: [], preferred: undefined }]) {
      const error = await detectEsoVersion(cluster(served), "auto").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepError);
      expect((error as StepError).message).toBe(
        "External Secrets Operator is not installed: the cluster serves no external-secrets.io API",
      );
    }
  });

  it("a configured version that is served is used as it is, without a note", async () => {
    expect(
      await detectEsoVersion(cluster({ versions: ["v1", "v1beta1"], preferred: "v1" }), "v1beta1"),
    ).toEqual({ version: "v1beta1" });
  });

  it("a configured version that is not served: names every served one, and suggests the first", async () => {
    const error = (await detectEsoVersion(
      cluster({ versions: ["v1beta1", "v1alpha1"], preferred: "v1beta1" }),
      "v1",
    ).catch((e: unknown) => e)) as StepError;
    expect(error.message).toBe(
      "ESO serves external-secrets.io/v1beta1, external-secrets.io/v1alpha1, but config asks for external-secrets.io/v1",
    );
    expect(error.hint).toBe("set eso.apiVersion to v1beta1 or auto, or upgrade ESO");
  });

  it("discovery refused by RBAC: says which verb on which resource", async () => {
    const refused = new KubeApiError(
      403,
      "Forbidden",
      "list",
      "API groups",
      "/apis",
      "forbidden",
      [],
    );
    const error = (await detectEsoVersion(cluster(undefined, refused), "auto").catch(
      (e: unknown) => e,
    )) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error.message).toBe("forbidden: cannot list api groups (RBAC)");
  });
});

describe("readyOf", () => {
  it("reads the Ready condition among others, with its reason, message and synced version", () => {
    expect(
      readyOf({
        status: {
          conditions: [
            { type: "Deleted", status: "True", reason: "SecretDeleted", message: "secret deleted" },
            { type: "Ready", status: "False", reason: "SecretSyncedError", message: "denied" },
          ],
          syncedResourceVersion: "1-abc",
        },
      }),
    ).toEqual({ ready: false, reason: "SecretSyncedError", message: "denied", synced: "1-abc" });
  });

  it("Ready only when its status is the string True", () => {
    const of = (status: string) =>
      readyOf({ status: { conditions: [{ type: "Ready", status, reason: "SecretSynced" }] } });
    expect(of("True").ready).toBe(true);
    expect(of("Unknown").ready).toBe(false);
  });

  it("no status, or no Ready condition yet: Pending, not reconciled yet, and no synced version", () => {
    const pending = { ready: false, reason: "Pending", message: "not reconciled yet" };
    expect(readyOf(undefined)).toEqual(pending);
    expect(readyOf({})).toEqual(pending);
    expect(readyOf({ status: { conditions: [{ type: "Deleted", status: "True" }] } })).toEqual(
      pending,
    );
    expect(readyOf({ status: { syncedResourceVersion: "" } })).toEqual(pending);
  });
});

describe("applyIfChanged: a conflict whose cause names no field or message", () => {
  it("still fails as a conflict with another field manager, with the API server's words", async () => {
    const kube = {
      apply: async () => {
        throw new KubeApiError(
          409,
          "Conflict",
          "apply",
          "ExternalSecret",
          "ameide/x",
          "Apply failed with 1 conflict",
          [{ reason: "FieldManagerConflict" }],
        );
      },
    } as unknown as Kube;
    const manifest = {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "x", namespace: "ameide" },
      spec: {},
    };
    const error = (await applyIfChanged(kube, manifest, undefined, {
      fieldManager: "dev-bootstrap",
      forceConflicts: false,
    }).catch((e: unknown) => e)) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error.message).toBe(
      "ExternalSecret ameide/x: field ? is owned by another field manager (Apply failed with 1 conflict)",
    );
  });
});
