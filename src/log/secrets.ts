/**
 * The process-wide secret registry: a value is registered once, where it is
 * learned (fixtures, Vault, Kubernetes, config), and masked wherever it is written.
 */
import { SecretMasker } from "../core/mask.js";

export const secrets = new SecretMasker();
