/**
 * The parts of @kubernetes/client-node the Kubernetes adapter uses, as one module that
 * adapters/kube.ts imports on a run's first Kubernetes call. The build ships it as a
 * file of its own (dist/vendor/kube-client.js): the client and its dependencies are
 * about a megabyte of code that a command which never talks to the cluster should not
 * parse, and naming the parts keeps the rest of the package out of that file.
 */
export {
  ApiException,
  ApisApi,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
} from "@kubernetes/client-node";
