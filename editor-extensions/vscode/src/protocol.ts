// What travels between this extension and `tandem lsp`: the custom messages and the settings (see docs/lsp.md).

export const PRESENCE_NOTIFICATION = "tandem/presence";
export const STATUS_REQUEST = "tandem/status";
/** Client to server: the cursor rests on `line` (0-based) of `uri`, so teammates see where you are. */
export const FOCUS_NOTIFICATION = "tandem/focus";

/** Commands the language server runs (`workspace/executeCommand`). */
export const SERVER_COMMANDS = {
  dismiss: "tandem.dismiss",
  snooze: "tandem.snooze",
  message: "tandem.message",
  openDashboard: "tandem.openDashboard",
  restartAgent: "tandem.restartAgent",
} as const;

export type Severity = "error" | "warning" | "information" | "hint" | "off";
export type FindingKind = "conflict" | "overlap" | "nearby";
export const FINDING_KINDS: readonly FindingKind[] = ["conflict", "overlap", "nearby"];

/** The settings the server reads, under `tandem`, in initializationOptions and didChangeConfiguration. */
export interface ServerSettings {
  severity: Record<FindingKind, Severity>;
  agentAutoStart: boolean;
  debounceMs: number;
  /** A `window/showMessage` when a conflict appears in an open file (a fallback for editors without extension). */
  notifyConflicts: boolean;
  /** Presence as work-done progress (the same kind of fallback). */
  statusProgress: boolean;
}

export interface Teammate {
  user_id: string;
  name: string;
  state: string;
  branch: string;
  file: string;
}

export interface Presence {
  /**
   * "online", "connecting", "offline", "signed_out", "unauthorized", "incompatible", "paused", "no_agent",
   * or a state a newer server adds.
   */
  connection: string;
  project: { id: string; name: string } | null;
  teammates: Teammate[];
  online: number;
  findings: Record<FindingKind, number>;
  open: number;
  /** The server's one-line summary, e.g. "3 online · 1 conflict" (only severities that are not off). */
  summary?: string;
  /** Why the connection is not online, in one sentence. */
  message?: string;
}

/** The answer to `tandem/status`: the presence plus what the agent knows. */
export interface Status extends Presence {
  workcopies: unknown[];
  agent: Record<string, unknown>;
}
