/**
 * The upstream schemas vendored under test/reference/ (see its README for
 * provenance): tests read them from inside the repository, never from beside it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO } from "./cli.js";

export const REFERENCE = join(REPO, "test/reference");

export function referenceJson(relative: string): object {
  return JSON.parse(readFileSync(join(REFERENCE, relative), "utf8")) as object;
}

/** The openAPIV3Schema of a CRD version that the CRD marks as served. */
export function servedCrdSchema(relative: string, version: string): object {
  const crd = parse(readFileSync(join(REFERENCE, relative), "utf8")) as {
    spec: {
      versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: object } }>;
    };
  };
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v?.served) throw new Error(`${relative} does not serve ${version}`);
  return v.schema.openAPIV3Schema;
}
