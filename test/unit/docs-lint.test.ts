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

describe("lint-docs: where a finding is not one", () => {
  const found = (file: string, text: string) =>
    lintDocument(file, text).map((f) => [f.line, f.kind, f.found]);

  it("a retiring list names what to remove: its items are no findings; the list ends with its indent", () => {
    const text = [
      "Deprecate Azure Key Vault instructions in:",
      "  - the setup guide, which says: store the password in Key Vault",
      "  - run `az keyvault secret set` no more",
      "Store the Flyway password in Key Vault.",
      "",
    ].join("\n");
    expect(found("docs/x.md", text)).toEqual([
      [4, "keyvault-instruction", "instruction to keep secrets in Azure Key Vault"],
    ]);
  });

  it("an az keyvault command is found in a fence; prose in a fence is not", () => {
    const text = [
      "```",
      "store the password in Key Vault",
      "az keyvault secret show --name x | jq",
      "```",
      "~~~",
      "keep credentials in Key Vault",
      "~~~",
      "Keep the credentials in Key Vault.",
      "",
    ].join("\n");
    expect(found("docs/x.md", text)).toEqual([
      [3, "az-keyvault-command", "'az keyvault secret show --name x' command"],
      [8, "keyvault-instruction", "instruction to keep secrets in Azure Key Vault"],
    ]);
  });

  it("a line that speaks of retiring anything is no finding; other lines are judged by sentence", () => {
    expect(
      found("docs/x.md", "We no longer use it for logs. Store the password in Key Vault.\n"),
    ).toEqual([]);
    expect(
      found("docs/x.md", "Logs moved. Then store the password in Key Vault. Done.\n").map(
        (f) => f[1],
      ),
    ).toEqual(["keyvault-instruction"]);
  });

  it("lines between lint-docs-disable and lint-docs-enable are skipped, in Markdown and YAML", () => {
    const md = [
      "<!-- lint-docs-disable -->",
      "az keyvault secret set --name a",
      "<!--lint-docs-enable-->",
      "az keyvault secret set --name b",
      "",
    ].join("\n");
    expect(found("docs/x.md", md).map((f) => f[0])).toEqual([4]);
    const yaml =
      "#lint-docs-disable\n# az keyvault list\n#  lint-docs-enable\n# az keyvault show\n";
    expect(found("x.yml", yaml).map((f) => f[0])).toEqual([4]);
  });

  it("providers are looked for in .yml files too, in SecretStores only, in document order", () => {
    const yaml = [
      "kind: SecretStore",
      "metadata: { name: ns-store }",
      "spec:",
      "  provider:",
      "    azurekv: {}",
      "---",
      "kind: ConfigMap",
      "spec: { provider: { azurekv: {} } }",
      "---",
      "kind: SecretStore",
      "spec: { provider: { azurekv: {} } }",
      "",
    ].join("\n");
    expect(found("stores.yml", yaml)).toEqual([
      [5, "azurekv-provider", "Azure Key Vault provider (azurekv) in SecretStore ns-store"],
      [11, "azurekv-provider", "Azure Key Vault provider (azurekv) in SecretStore ?"],
    ]);
    expect(found("stores.md", yaml)).toEqual([]);
  });

  it("findings are sorted by line: the values file's line 1 first", () => {
    const f = found(
      "azure-keyvault-app.yaml",
      "a: 1\n# keep: store the password in Key Vault\nkind: SecretStore\nspec: { provider: { azurekv: {} } }\n",
    );
    expect(f.map((x) => [x[0], x[1]])).toEqual([
      [1, "azure-keyvault-values-file"],
      [2, "keyvault-instruction"],
      [4, "azurekv-provider"],
    ]);
  });
});
