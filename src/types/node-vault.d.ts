// node-vault is CommonJS and ships no types; src/adapters/vault.ts declares the calls it makes.
declare module "node-vault" {
  const nodeVault: (config: Record<string, unknown>) => unknown;
  export default nodeVault;
}
