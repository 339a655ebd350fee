// The seam: the little of VS Code and of the language client that the extension uses, as interfaces to fake.

import type { Presence, ServerSettings, Status } from "./protocol";
import type { PickItem, StatusView } from "./presence";
import type { ConfigReader, Launch } from "./settings";

export interface Disposable {
  dispose(): void;
}

export interface Log {
  info(message: string): void;
  error(message: string): void;
  show(): void;
}

export interface Host {
  log: Log;
  /** Reads the `tandem` configuration section. */
  config: ConfigReader;
  onConfigChange(listener: (affectsTandem: boolean) => void): Disposable;
  registerCommand(id: string, run: () => unknown): Disposable;
  showStatus(view: StatusView): void;
  pick(items: PickItem[], placeholder: string): Promise<PickItem | undefined>;
  /** Asks for a line of text; undefined when the user cancels. */
  ask(prompt: string, placeholder: string): Promise<string | undefined>;
  /** The cursor moved in a file's editor (line 0-based). */
  onCursorMove(listener: (uri: string, line: number) => void): Disposable;
  /** Runs a program in a terminal the user sees (no shell in between, so nothing to quote). */
  runInTerminal(name: string, argv: string[]): void;
  showError(message: string): void;
}

/** A running `tandem lsp`, as the extension talks to it. */
export interface Client {
  start(): Promise<void>;
  stop(): Promise<void>;
  onPresence(listener: (presence: Presence) => void): Disposable;
  status(): Promise<Status>;
  executeCommand(command: string, args?: unknown[]): Promise<unknown>;
  changeSettings(settings: { tandem: ServerSettings }): Promise<void>;
  focus(uri: string, line: number): Promise<void>;
}

/** Runs before the language client executes one of the server's commands (a code action, say): returns the
 * arguments to send, or undefined to send nothing (the user cancelled). */
export type CommandHook = (command: string, args: unknown[]) => Promise<unknown[] | undefined>;

export type ClientFactory = (
  launch: Launch,
  initializationOptions: { tandem: ServerSettings },
  beforeCommand: CommandHook,
) => Client;
