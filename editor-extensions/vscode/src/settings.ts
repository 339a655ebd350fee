// The `tandem.*` settings: read through the seam, checked, and turned into a launch command and server settings.

import { FINDING_KINDS, type FindingKind, type ServerSettings, type Severity } from "./protocol";

/** Reads one key of the `tandem` configuration section (the seam over `workspace.getConfiguration`). */
export type ConfigReader = (key: string) => unknown;

export interface Launch {
  command: string;
  args: string[];
}

export interface Settings {
  launch: Launch;
  /** The `tandem` CLI as this user runs it (the launch command without its `lsp`): for `tandem login`. */
  cli: string[];
  serverUrl: string;
  server: ServerSettings;
}

export const DEFAULTS: ServerSettings = {
  severity: { conflict: "warning", overlap: "information", nearby: "off" },
  agentAutoStart: true,
  debounceMs: 50,
  // docs/lsp.md: an extension that shows tandem/presence itself turns the server's fallbacks off.
  notifyConflicts: false,
  statusProgress: false,
};
const SEVERITIES: readonly Severity[] = ["error", "warning", "information", "hint", "off"];
const DEFAULT_COMMAND = ["tandem", "lsp"];

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const items = value.filter((item): item is string => typeof item === "string" && item.trim() !== "");
  return items.length === value.length ? items : undefined;
}

function launchCommand(read: ConfigReader): string[] {
  const interpreter = read("interpreter");
  if (typeof interpreter === "string" && interpreter.trim() !== "") {
    return [interpreter.trim(), "-m", "tandem", "lsp"];
  }
  return stringList(read("command")) ?? DEFAULT_COMMAND;
}

function severities(value: unknown): Record<FindingKind, Severity> {
  const given = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const result = { ...DEFAULTS.severity };
  for (const kind of FINDING_KINDS) {
    const level = given[kind];
    if (typeof level === "string" && (SEVERITIES as readonly string[]).includes(level)) {
      result[kind] = level as Severity;
    }
  }
  return result;
}

export function readSettings(read: ConfigReader): Settings {
  const argv = launchCommand(read);
  const [command = "tandem", ...args] = argv;
  const autoStart = read("agentAutoStart");
  const debounce = read("debounceMs");
  const serverUrl = read("serverUrl");
  return {
    launch: { command, args },
    cli: argv.at(-1) === "lsp" ? argv.slice(0, -1) : ["tandem"],
    serverUrl: typeof serverUrl === "string" ? serverUrl.trim() : "",
    server: {
      severity: severities(read("severity")),
      agentAutoStart: typeof autoStart === "boolean" ? autoStart : DEFAULTS.agentAutoStart,
      debounceMs:
        typeof debounce === "number" && Number.isFinite(debounce) && debounce >= 0
          ? Math.round(debounce)
          : DEFAULTS.debounceMs,
      notifyConflicts: DEFAULTS.notifyConflicts,
      statusProgress: DEFAULTS.statusProgress,
    },
  };
}

/** What the server gets at `initialize` (and, wrapped the same way, in `workspace/didChangeConfiguration`). */
export function initializationOptions(settings: Settings): { tandem: ServerSettings } {
  return { tandem: settings.server };
}

export function sameLaunch(a: Launch, b: Launch): boolean {
  return a.command === b.command && a.args.length === b.args.length && a.args.every((arg, i) => arg === b.args[i]);
}

/** `tandem login` as a terminal runs it. */
export function loginCommand(settings: Settings): string[] {
  return [...settings.cli, "login", ...(settings.serverUrl ? ["--server", settings.serverUrl] : [])];
}
