/**
 * Node runtime switches the entrypoints turn on before loading the rest of the
 * program: both only affect modules compiled after the call.
 */
import * as nodeModule from "node:module";

/**
 * Under DEBUG=dev-bootstrap, stack traces name src/ files: the bundles in dist/
 * ship source maps, and Node applies them to modules loaded after this call.
 */
export function enableSourceMapsForDebug(env: NodeJS.ProcessEnv): void {
  if (env.DEBUG?.includes("dev-bootstrap")) process.setSourceMapsEnabled(true);
}

/**
 * On Node ≥ 22.1, keeps V8's compiled code in `dir` so later runs skip compiling the
 * bundles again (about a quarter off loading the Kubernetes client). Older Nodes lack
 * the API and go on without. A cache is an optimisation, never a reason to fail.
 */
interface CompileCacheApi {
  enableCompileCache?: (dir: string) => unknown;
}

export function enableCompileCache(
  dir: string,
  node: CompileCacheApi = nodeModule as CompileCacheApi,
): boolean {
  if (typeof node.enableCompileCache !== "function") return false;
  try {
    node.enableCompileCache(dir);
    return true;
  } catch {
    return false; // an unwritable state directory only costs speed
  }
}
