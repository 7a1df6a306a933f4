// Preloaded with --import: records whether @kubernetes/client-node gets loaded.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from "node:fs";
    export async function resolve(specifier, context, next) {
      if (specifier.startsWith("@kubernetes/client-node") && process.env.TRACE_KUBE_FILE) {
        appendFileSync(process.env.TRACE_KUBE_FILE, specifier + "\\n");
      }
      return next(specifier, context);
    }
  `)}`,
);
