// Fakes for the seam: a host that records what the extension showed and a client that records what it sent.

import type { Client, CommandHook, Disposable, Host } from "../src/host";
import type { PickItem, StatusView } from "../src/presence";
import type { Presence, ServerSettings, Status } from "../src/protocol";
import type { Launch } from "../src/settings";

export class FakeHost implements Host {
  config: (key: string) => unknown;
  settings: Record<string, unknown>;
  commands = new Map<string, () => unknown>();
  views: StatusView[] = [];
  terminals: { name: string; argv: string[] }[] = [];
  errors: string[] = [];
  logged: string[] = [];
  picks: { items: PickItem[]; placeholder: string }[] = [];
  /** What the user chooses in the next quick pick (by label). */
  choose: string | undefined;
  /** What the user types when asked (undefined: Escape). */
  answer: string | undefined;
  asked: string[] = [];
  private configListeners: ((affectsTandem: boolean) => void)[] = [];
  private cursorListeners: ((uri: string, line: number) => void)[] = [];

  log = {
    info: (message: string): void => void this.logged.push(`info: ${message}`),
    error: (message: string): void => void this.logged.push(`error: ${message}`),
    show: (): void => void this.logged.push("shown"),
  };

  constructor(settings: Record<string, unknown> = {}) {
    this.settings = settings;
    this.config = (key) => this.settings[key];
  }

  /** The status bar's text now (a method, so that assertions do not narrow it for the next check). */
  statusText(): string | undefined {
    return this.views.at(-1)?.text;
  }

  onConfigChange(listener: (affectsTandem: boolean) => void): Disposable {
    this.configListeners.push(listener);
    return { dispose: () => (this.configListeners = this.configListeners.filter((l) => l !== listener)) };
  }

  /** Changes settings as the user would, and fires the change event. */
  changeSettings(settings: Record<string, unknown>, affectsTandem = true): void {
    this.settings = { ...this.settings, ...settings };
    for (const listener of this.configListeners) listener(affectsTandem);
  }

  registerCommand(id: string, run: () => unknown): Disposable {
    if (this.commands.has(id)) throw new Error(`command '${id}' already exists`);
    this.commands.set(id, run);
    return { dispose: () => this.commands.delete(id) };
  }

  async runCommand(id: string): Promise<void> {
    const run = this.commands.get(id);
    if (run === undefined) throw new Error(`command '${id}' not found`);
    await run();
  }

  showStatus(view: StatusView): void {
    this.views.push(view);
  }

  pick(items: PickItem[], placeholder: string): Promise<PickItem | undefined> {
    this.picks.push({ items, placeholder });
    return Promise.resolve(items.find((item) => item.label === this.choose));
  }

  ask(prompt: string): Promise<string | undefined> {
    this.asked.push(prompt);
    return Promise.resolve(this.answer);
  }

  onCursorMove(listener: (uri: string, line: number) => void): Disposable {
    this.cursorListeners.push(listener);
    return { dispose: () => (this.cursorListeners = this.cursorListeners.filter((l) => l !== listener)) };
  }

  /** The user moves the cursor. */
  moveCursor(uri: string, line: number): void {
    for (const listener of this.cursorListeners) listener(uri, line);
  }

  runInTerminal(name: string, argv: string[]): void {
    this.terminals.push({ name, argv });
  }

  showError(message: string): void {
    this.errors.push(message);
  }
}

export class FakeClient implements Client {
  started = false;
  stopped = false;
  sent: { method: string; params: unknown }[] = [];
  status_: Status | undefined;
  failStart: Error | undefined;
  private presenceListeners: ((presence: Presence) => void)[] = [];

  constructor(
    readonly launch: Launch,
    readonly initializationOptions: { tandem: ServerSettings },
    readonly beforeCommand: CommandHook = (_command, args) => Promise.resolve(args),
  ) {}

  start(): Promise<void> {
    if (this.failStart) return Promise.reject(this.failStart);
    this.started = true;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  onPresence(listener: (presence: Presence) => void): Disposable {
    this.presenceListeners.push(listener);
    return { dispose: () => (this.presenceListeners = this.presenceListeners.filter((l) => l !== listener)) };
  }

  /** The server sends `tandem/presence`. */
  notify(presence: Presence): void {
    for (const listener of this.presenceListeners) listener(presence);
  }

  get listeners(): number {
    return this.presenceListeners.length;
  }

  status(): Promise<Status> {
    this.sent.push({ method: "tandem/status", params: null });
    if (this.status_ === undefined) return Promise.reject(new Error("no status"));
    return Promise.resolve(this.status_);
  }

  executeCommand(command: string, args: unknown[] = []): Promise<unknown> {
    this.sent.push({ method: "workspace/executeCommand", params: { command, arguments: args } });
    return Promise.resolve(null);
  }

  focus(uri: string, line: number): Promise<void> {
    this.sent.push({ method: "tandem/focus", params: { uri, line } });
    return Promise.resolve();
  }

  changeSettings(settings: { tandem: ServerSettings }): Promise<void> {
    this.sent.push({ method: "workspace/didChangeConfiguration", params: { settings } });
    return Promise.resolve();
  }
}

export function presence(overrides: Partial<Presence> = {}): Presence {
  return {
    connection: "online",
    project: { id: "p1", name: "Widgets" },
    teammates: [],
    online: 0,
    findings: { conflict: 0, overlap: 0, nearby: 0 },
    open: 0,
    ...overrides,
  };
}
