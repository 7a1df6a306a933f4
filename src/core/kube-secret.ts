/**
 * What the Kubernetes API accepts in a Secret's `data`, shared by the writer's
 * local checks (core/migrations-secret.ts) and the sandbox's API stand-in, so the
 * two cannot drift. The API validates each key with IsConfigMapKey
 * (k8s.io/apimachinery pkg/util/validation): letters, digits, '-', '_' and '.',
 * at most 253 characters; a Secret holds at most 1 MiB of data in all
 * (kubernetes.io/docs/concepts/configuration/secret, "Restrictions").
 */

/** A valid Kubernetes Secret data key (the characters; the length is checked apart). */
export const SECRET_DATA_KEY = /^[-._a-zA-Z0-9]+$/;
export const SECRET_DATA_KEY_MAX_LENGTH = 253;
export const SECRET_MAX_BYTES = 1024 * 1024;
