// Starts `luxc lsp` for .lux files (the path from the `lux.luxcPath` setting) through
// vscode-languageclient over stdio.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("lux");
  const command = config.get("luxcPath", "luxc");
  const args = ["lsp", "--debounce-ms", String(config.get("debounceMs", 60))];
  const server = { run: { command, args }, debug: { command, args: [...args, "--verbose"] } };
  client = new LanguageClient("lux", "Lux (luxc lsp)", server, {
    documentSelector: [{ scheme: "file", language: "lux" }, { scheme: "untitled", language: "lux" }],
  });
  client.start();
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
