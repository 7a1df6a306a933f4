// Preloaded with `node --import`: records every module the process loads, so tests
// can assert what a command does NOT load. ESM loads are seen by a module.register()
// load hook; CommonJS loads (createRequire, external packages) by require.cache at
// exit. With TRACE_MODULES_FILE unset it does nothing. One URL or path per line.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const file = process.env.TRACE_MODULES_FILE;
if (file) {
  register(
    `data:text/javascript,${encodeURIComponent(`
      import { appendFileSync } from "node:fs";
      export async function load(url, context, next) {
        appendFileSync(${JSON.stringify(file)}, url + "\\n");
        return next(url, context);
      }
    `)}`,
  );
  const cache = createRequire(import.meta.url).cache;
  process.on("exit", () => {
    const loaded = Object.keys(cache).map((p) => pathToFileURL(p).href);
    // Whether stack traces were being source-mapped when the process ended.
    loaded.push(`#sourceMapsEnabled=${process.sourceMapsEnabled}`);
    appendFileSync(file, `${loaded.join("\n")}\n`);
  });
}
