/**
 * wait: walks the chain (as `why` does) until no link is broken or the time is
 * up, on the run's clock. A progress line names the first broken link when it
 * changes and every few seconds while it stays, so a Tilt pane never looks frozen.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import type { ChainReport, Link } from "../core/chain.js";
import { type PollSchedule, pollDelay } from "../core/poll.js";
import type { CheckpointLogger } from "../log/logger.js";
import type { Host } from "./host.js";
import { walkChain } from "./why.js";

/** Soon after a change (a Tilt resource finishing), then every 2 s at most. */
const WAIT_POLL: PollSchedule = { firstMs: 100, maxMs: 2000 };

interface WaitOptions {
  timeoutSeconds: number;
  connect: boolean;
  allowPending: boolean;
  progressSeconds: number;
}

const describe = (l: Link) => `${l.id} — ${l.summary}`;

export async function waitForChain(
  /** A fresh Host per walk where a cached client may hold a stale failure (token, kubeconfig). */
  hostFor: () => Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: WaitOptions,
): Promise<ChainReport> {
  let host = hostFor();
  const { now, sleep } = host.clock;
  const started = now();
  const deadline = started + options.timeoutSeconds * 1000;
  const handle = log.start(
    "wait",
    `waiting up to ${options.timeoutSeconds} s until no link from fixtures to ${options.connect ? "flyway" : "migrations-secret"} is broken`,
  );
  let lastShown: string | undefined;
  let lastShownAt = started;
  for (let attempt = 1; ; attempt++) {
    const report = await walkChain(host, resolved, {
      connect: options.connect,
      allowPending: options.allowPending,
    });
    const first = report.links.find((l) => l.status === "broken");
    if (!first) {
      handle.ok(
        `no broken link after ${Math.round((now() - started) / 1000)} s${options.connect ? "" : " (database-login and flyway not checked: --connect)"}`,
      );
      return report;
    }
    if (now() >= deadline) {
      handle.fail(
        `still broken after ${options.timeoutSeconds} s: ${describe(first)}`,
        `fix: ${first.fix}   (details: dev-bootstrap why${options.connect ? " --connect" : ""})`,
      );
      return report;
    }
    const line = describe(first);
    if (line !== lastShown || now() - lastShownAt >= options.progressSeconds * 1000) {
      handle.note(
        `waiting for ${line}; ${Math.round((now() - started) / 1000)} s of ${options.timeoutSeconds} s (fix: ${first.fix})`,
      );
      lastShown = line;
      lastShownAt = now();
    }
    // A client built once may keep a failure that has since been fixed (a token file
    // written, a kubeconfig created): those links get fresh clients for the next walk.
    if (first.id === "vault" || first.id === "eso") host = hostFor();
    await sleep(pollDelay(attempt, WAIT_POLL, deadline - now()), host.signal);
  }
}
