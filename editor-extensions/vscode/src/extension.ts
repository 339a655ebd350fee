// The VS Code side of the seam: `activate` wires a log channel, the status bar, the commands and the client.

import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

import type { Client, CommandHook, Host } from "./host";
import {
  FOCUS_NOTIFICATION,
  PRESENCE_NOTIFICATION,
  type Presence,
  STATUS_REQUEST,
  type ServerSettings,
  type Status,
} from "./protocol";
import type { Launch } from "./settings";
import { Tandem } from "./tandem";

let tandem: Tandem | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("Tandem", { log: true });
  const item = vscode.window.createStatusBarItem("tandem.status", vscode.StatusBarAlignment.Left, 10);
  item.name = "Tandem";
  context.subscriptions.push(log, item);
  tandem = new Tandem(vscodeHost(item, log), (launch, options, hook) => languageClient(launch, options, hook, log));
  await tandem.activate();
}

export function deactivate(): Promise<void> | undefined {
  return tandem?.close();
}

function vscodeHost(item: vscode.StatusBarItem, log: vscode.LogOutputChannel): Host {
  return {
    log: { info: (m) => log.info(m), error: (m) => log.error(m), show: () => log.show(true) },
    config: (key) => vscode.workspace.getConfiguration("tandem").get(key),
    onConfigChange: (listener) =>
      vscode.workspace.onDidChangeConfiguration((event) => listener(event.affectsConfiguration("tandem"))),
    registerCommand: (id, run) => vscode.commands.registerCommand(id, run),
    showStatus: (view) => {
      item.text = view.text;
      item.tooltip = view.tooltip;
      item.command = view.command;
      item.backgroundColor = view.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
      item.show();
    },
    pick: (items, placeHolder) => Promise.resolve(vscode.window.showQuickPick(items, { placeHolder })),
    ask: (prompt, placeHolder) => Promise.resolve(vscode.window.showInputBox({ prompt, placeHolder })),
    onCursorMove: (listener) =>
      vscode.window.onDidChangeTextEditorSelection(({ textEditor, selections }) => {
        const [selection] = selections;
        if (textEditor.document.uri.scheme === "file" && selection !== undefined) {
          listener(textEditor.document.uri.toString(), selection.active.line);
        }
      }),
    runInTerminal: (name, [shellPath, ...shellArgs]) => {
      vscode.window.createTerminal({ name, shellPath: shellPath ?? "tandem", shellArgs }).show();
    },
    showError: (message) => {
      void vscode.window.showErrorMessage(message);
    },
  };
}

function languageClient(
  launch: Launch,
  initializationOptions: { tandem: ServerSettings },
  beforeCommand: CommandHook,
  log: vscode.LogOutputChannel,
): Client {
  const server: ServerOptions = { command: launch.command, args: launch.args, transport: TransportKind.stdio };
  const options: LanguageClientOptions = {
    // Every file: a teammate's edit matters whatever the language.
    documentSelector: [{ scheme: "file" }],
    initializationOptions,
    outputChannel: log,
    middleware: {
      executeCommand: async (command, args: unknown[], next): Promise<unknown> => {
        const given = await beforeCommand(command, args);
        if (given === undefined) return undefined;
        const result: unknown = await next(command, given);
        return result;
      },
    },
  };
  const client = new LanguageClient("tandem", "Tandem", server, options);
  return {
    start: () => client.start(),
    stop: async () => {
      if (client.needsStop()) await client.stop();
    },
    onPresence: (listener) => client.onNotification(PRESENCE_NOTIFICATION, (presence: Presence) => listener(presence)),
    status: () => client.sendRequest<Status>(STATUS_REQUEST),
    executeCommand: (command, args = []) => client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }),
    changeSettings: (settings) => client.sendNotification(DidChangeConfigurationNotification.type, { settings }),
    focus: (uri, line) => client.sendNotification(FOCUS_NOTIFICATION, { uri, line }),
  };
}
