/**
 * Loaded with `node --import` into a built entrypoint: a terminal that stops
 * reading. The first stdout write matching STALL_STDOUT_AT blocks (as a write to a
 * full pipe does: synchronously) until the file STALL_RELEASE exists, after
 * "stdout stalled" is printed on stderr so the test knows the moment.
 */
import { existsSync } from "node:fs";

const pattern = new RegExp(process.env.STALL_STDOUT_AT ?? "$^");
const release = process.env.STALL_RELEASE ?? "";
const tick = new Int32Array(new SharedArrayBuffer(4));
const write = process.stdout.write.bind(process.stdout);
let stalled = false;
process.stdout.write = (chunk, ...rest) => {
  if (!stalled && pattern.test(String(chunk))) {
    stalled = true;
    process.stderr.write("stdout stalled\n");
    while (!existsSync(release)) Atomics.wait(tick, 0, 0, 10);
  }
  return write(chunk, ...rest);
};
