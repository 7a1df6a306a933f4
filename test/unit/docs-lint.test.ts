import { describe, expect, it } from "vitest";
import { formatFinding, hasHistoricalBanner, lintDocument } from "../../src/core/docs-lint.js";

const kinds = (file: string, text: string) =>
  lintDocument(file, text).map((f) => [f.line, f.kind, f.severity]);

describe("lint-docs findings", () => {
  it("az keyvault commands, in prose and in code blocks", () => {
    const text =
      "# Setup\n\nRun this:\n\n```bash\naz keyvault secret set --vault-name kv --name flyway-url --value x\n```\n";
    expect(kinds("README.md", text)).toEqual([[6, "az-keyvault-command", "error"]]);
    expect(formatFinding(lintDocument("README.md", text)[0]!)).toBe(
      "README.md:6: 'az keyvault secret set --vault-name kv --name flyway-url --value x' command — seed local secrets from vault/fixtures with 'dev-bootstrap ensure-local-secrets' (or 'vault kv put' on a shared Vault)",
    );
  });

  it("Azure Key Vault provider blocks in SecretStores, at the azurekv line", () => {
    const yaml = [
      "apiVersion: external-secrets.io/v1",
      "kind: ClusterSecretStore",
      "metadata:",
      "  name: azure-store",
      "spec:",
      "  provider:",
      "    azurekv:",
      "      vaultUrl: https://kv.vault.azure.net",
      "---",
      "kind: ClusterSecretStore",
      "metadata: { name: vault }",
      "spec: { provider: { vault: { server: http://vault:8200 } } }",
      "",
    ].join("\n");
    const f = lintDocument("infra/stores.yaml", yaml);
    expect(f.map((x) => [x.line, x.kind])).toEqual([[7, "azurekv-provider"]]);
    expect(f[0]!.found).toBe(
      "Azure Key Vault provider (azurekv) in ClusterSecretStore azure-store",
    );
  });

  it("azure-keyvault-* values files, and references to them", () => {
    expect(kinds("infra/values/platform/azure-keyvault-secrets.yaml", "flywayUrl: x\n")).toEqual([
      [1, "azure-keyvault-values-file", "error"],
    ]);
    expect(kinds("docs/x.md", "Values live in `azure-keyvault-secrets.yaml`.\n")).toEqual([
      [1, "azure-keyvault-values-reference", "error"],
    ]);
  });

  it("prose that tells people to keep secrets in Azure Key Vault", () => {
    expect(
      kinds("docs/x.md", "Before migrating, store the Flyway password in Azure Key Vault.\n"),
    ).toEqual([[1, "keyvault-instruction", "error"]]);
    expect(
      kinds(
        "docs/x.md",
        "Intro.\n\nAdd the DATABASE_URL secret to the Key Vault of your subscription. Then run it.\n",
      ),
    ).toEqual([[3, "keyvault-instruction", "error"]]);
  });

  it("does not fire on sentences about removing or replacing Azure Key Vault", () => {
    for (const text of [
      "We removed Azure Key Vault; secrets now come from Vault.\n",
      "Do not store secrets in Azure Key Vault any more.\n",
      "Azure Key Vault is no longer used for Flyway credentials.\n",
      "Replace `az keyvault secret set` with `dev-bootstrap ensure-local-secrets`.\n",
      "- Deprecate Azure Key Vault instructions in:\n  - `values/azure-keyvault-secrets.yaml`\n  - any README referencing `az keyvault`\n",
      "Vault keys and Key Vault history are documented elsewhere.\n",
      "The keyboard vault of passwords is a metaphor.\n",
    ]) {
      expect(lintDocument("docs/x.md", text), text).toEqual([]);
    }
  });

  it("skips lines between lint-docs-disable and lint-docs-enable markers", () => {
    const md =
      "<!-- lint-docs-disable -->\nIt finds `az keyvault` commands.\n<!-- lint-docs-enable -->\nRun `az keyvault secret set`.\n";
    expect(kinds("docs/x.md", md)).toEqual([[4, "az-keyvault-command", "error"]]);
    const yaml = "# lint-docs-disable\nkind: SecretStore\nspec:\n  provider:\n    azurekv: {}\n";
    expect(kinds("x.yaml", yaml)).toEqual([]);
  });

  it("reports findings in superseded / historical documents as notes", () => {
    const text =
      "> Note: kept for history; historical.\n\n# Old plan\n\nRun `az keyvault secret set` for each secret.\n";
    expect(hasHistoricalBanner(text)).toBe(true);
    expect(kinds("docs/old.md", text)).toEqual([[5, "az-keyvault-command", "note"]]);
    expect(formatFinding(lintDocument("docs/old.md", text)[0]!)).toMatch(
      /^docs\/old\.md:5: note: .* \(historical document\)$/,
    );
    expect(hasHistoricalBanner("# Flyway v2 _(Superseded – see 363)_\n\ntext")).toBe(true);
    expect(hasHistoricalBanner("# Plan\n\n**Status:** Superseded\n")).toBe(true);
    expect(hasHistoricalBanner("# Plan\n\nThis superseded nothing.\n")).toBe(false);
  });
});
