/**
 * A Kubernetes API error as one line, built from the Status body. Kept apart
 * from kube.ts so code that only inspects errors does not load client-node.
 */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly verb: string,
    readonly resource: string,
    readonly target: string,
    readonly statusMessage: string,
    readonly causes: Array<{ reason?: string; message?: string; field?: string }>,
  ) {
    super(
      `${verb} ${resource} ${target}: ${reason || `HTTP ${status}`}: ${statusMessage.split("\n").join("; ")}`,
    );
    this.name = "KubeApiError";
  }
}
