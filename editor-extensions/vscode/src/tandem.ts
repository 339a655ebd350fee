// The extension's logic over the seam: one language client, the status bar it drives, and the commands.

import type { Client, ClientFactory, Disposable, Host } from "./host";
import { pickItems, statusView } from "./presence";
import { type Presence, SERVER_COMMANDS } from "./protocol";
import { initializationOptions, loginCommand, readSettings, sameLaunch, type Settings } from "./settings";

type Command = () => Promise<void> | void;

/** The cursor must rest this long before the server hears where it is. */
export const FOCUS_DELAY_MS = 300;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Tandem {
  /** The extension's own commands; any other id (in the quick pick) is the language server's. */
  readonly commands: Readonly<Record<string, Command>>;
  private settings: Settings;
  private client: Client | undefined;
  private presence: Presence | undefined;
  /** Why the server is not running, when it failed to start. */
  private failure: string | undefined;
  private readonly disposables: Disposable[] = [];
  private clientDisposables: Disposable[] = [];
  private focusTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: Host,
    private readonly makeClient: ClientFactory,
  ) {
    this.settings = readSettings(host.config);
    this.commands = {
      "tandem.showStatus": () => this.showStatus(),
      "tandem.signIn": () => this.host.runInTerminal("Tandem: sign in", loginCommand(this.settings)),
      "tandem.restart": () => this.restart(),
      // The server opens the page itself, with `window/showDocument` (which the language client supports).
      "tandem.dashboard": () => this.run(SERVER_COMMANDS.openDashboard),
      "tandem.showLog": () => this.host.log.show(),
    };
  }

  async activate(): Promise<void> {
    for (const [id, command] of Object.entries(this.commands)) {
      this.disposables.push(this.host.registerCommand(id, () => this.guard(id, command)));
    }
    this.disposables.push(
      this.host.onConfigChange((affectsTandem) => {
        if (affectsTandem) void this.guard("applying the settings", () => this.settingsChanged());
      }),
      this.host.onCursorMove((uri, line) => {
        this.cursorMoved(uri, line);
      }),
    );
    this.render();
    await this.guard("starting the language server", () => this.start());
  }

  /** Runs a command id: one of ours, or else the language server's (`workspace/executeCommand`). */
  async run(id: string): Promise<void> {
    const own = this.commands[id];
    if (own !== undefined) {
      await own();
      return;
    }
    await this.running().executeCommand(id);
  }

  /**
   * Before a server command runs: `tandem.message` without a text asks for one (docs/lsp.md); an empty answer
   * sends the server's default message, Escape sends nothing.
   */
  async commandArguments(command: string, args: unknown[]): Promise<unknown[] | undefined> {
    if (command !== SERVER_COMMANDS.message || args.length >= 3) return args;
    const text = await this.host.ask("Message to your teammate", "Empty: a short note that you both change these lines");
    if (text === undefined) return undefined;
    return [args[0] ?? "", args[1] ?? "", text];
  }

  /** Tells the server where the cursor rests, once it has rested FOCUS_DELAY_MS. */
  cursorMoved(uri: string, line: number): void {
    clearTimeout(this.focusTimer);
    this.focusTimer = setTimeout(() => {
      this.focusTimer = undefined;
      void this.client?.focus(uri, line).catch((err: unknown) => {
        this.host.log.info(`tandem/focus not sent: ${describe(err)}`);
      });
    }, FOCUS_DELAY_MS);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.settings = readSettings(this.host.config);
    await this.start();
  }

  /** Unregisters everything and stops the server (VS Code's `deactivate`). */
  async close(): Promise<void> {
    clearTimeout(this.focusTimer);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    await this.stop();
  }

  /** The one place a command's failure is caught: logged with its stack, and told to the user. */
  private async guard(what: string, command: Command): Promise<void> {
    try {
      await command();
    } catch (err) {
      this.host.log.error(`${what} failed: ${err instanceof Error && err.stack ? err.stack : describe(err)}`);
      this.host.showError(`Tandem: ${what} failed: ${describe(err)}`);
    }
  }

  private async start(): Promise<void> {
    const { command, args } = this.settings.launch;
    this.host.log.info(`starting ${[command, ...args].join(" ")}`);
    const client = this.makeClient(this.settings.launch, initializationOptions(this.settings), (command, args) =>
      this.commandArguments(command, args),
    );
    this.client = client;
    this.clientDisposables.push(
      client.onPresence((presence) => {
        if (this.client !== client) return; // a late message from a client being replaced
        this.presence = presence;
        this.render();
      }),
    );
    this.failure = undefined;
    try {
      await client.start();
    } catch (err) {
      this.failure = `\`${[command, ...args].join(" ")}\` did not start: ${describe(err)}`;
      this.render();
      throw new Error(
        `\`${[command, ...args].join(" ")}\` did not start (${describe(err)}); ` +
          "set tandem.command or tandem.interpreter to a Tandem that has `tandem lsp`",
        { cause: err },
      );
    }
  }

  private async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.presence = undefined;
    this.failure = undefined;
    for (const disposable of this.clientDisposables.splice(0)) disposable.dispose();
    this.render();
    await client?.stop();
  }

  private running(): Client {
    if (this.client === undefined) throw new Error("the Tandem language server is not running (see Tandem: Show Log)");
    return this.client;
  }

  private async settingsChanged(): Promise<void> {
    const next = readSettings(this.host.config);
    const relaunch = !sameLaunch(next.launch, this.settings.launch);
    this.settings = next;
    if (relaunch) {
      this.host.log.info("the server command changed: restarting");
      await this.restart();
    } else if (this.client !== undefined) {
      await this.client.changeSettings(initializationOptions(next));
    }
  }

  private async showStatus(): Promise<void> {
    const status = await this.running().status();
    const where = status.project ? status.project.name : "no project";
    const choice = await this.host.pick(pickItems(status), `Tandem: ${status.connection}, ${where}`);
    if (choice?.command !== undefined) await this.run(choice.command);
  }

  private render(): void {
    this.host.showStatus(statusView(this.presence, this.failure));
  }
}
