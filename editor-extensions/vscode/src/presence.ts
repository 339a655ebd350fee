// How presence looks: the status bar text and tooltip, and the quick pick of who is where. Pure functions.

import { FINDING_KINDS, type FindingKind, type Presence, type Status, type Teammate } from "./protocol";

export interface StatusView {
  text: string;
  tooltip: string;
  /** The command a click runs. */
  command: string;
  /** Shown on a warning background (a conflict is open). */
  warning: boolean;
}

export interface PickItem {
  label: string;
  description?: string;
  detail?: string;
  /** The command run when the item is chosen; none for plain information. */
  command?: string;
}

const NOUNS: Record<FindingKind, [string, string]> = {
  conflict: ["conflict", "conflicts"],
  overlap: ["overlap", "overlaps"],
  nearby: ["nearby", "nearby"],
};

const CONNECTION_LABELS: Record<string, [icon: string, words: string]> = {
  connecting: ["$(sync~spin)", "connecting"],
  offline: ["$(debug-disconnect)", "offline"],
  paused: ["$(debug-pause)", "paused"],
  signed_out: ["$(account)", "sign in"],
  unauthorized: ["$(account)", "sign in again"],
  incompatible: ["$(warning)", "update Tandem"],
  no_agent: ["$(debug-disconnect)", "agent not running"],
};
/** States a sign-in fixes: a click on the status bar runs it. */
const SIGN_IN_STATES = new Set(["signed_out", "unauthorized"]);

export function countFindings(findings: Partial<Record<FindingKind, number>>): string[] {
  return FINDING_KINDS.flatMap((kind) => {
    const n = findings[kind] ?? 0;
    if (n <= 0) return [];
    const [one, many] = NOUNS[kind];
    return [`${n} ${n === 1 ? one : many}`];
  });
}

/** "3 online · 1 overlap": the server's summary, or the same words made here for a server that sends none. */
export function summary(presence: Presence): string {
  if (presence.summary) return presence.summary;
  return [`${presence.online} online`, ...countFindings(presence.findings)].join(" · ");
}

export function teammateLine(teammate: Teammate): string {
  const where = [teammate.branch, teammate.file].filter((part): part is string => Boolean(part));
  const state = teammate.state && teammate.state !== "online" ? ` (${teammate.state})` : "";
  return [teammate.name || teammate.user_id, ...where].join(" — ") + state;
}

/** The status bar: presence when the server has sent some; else why it is missing (it did not start), or starting. */
export function statusView(presence: Presence | undefined, failure?: string): StatusView {
  if (presence === undefined && failure !== undefined) {
    return { text: "$(error) Tandem", tooltip: `Tandem: ${failure}`, command: "tandem.showLog", warning: true };
  }
  if (presence === undefined) {
    return { text: "$(sync~spin) Tandem", tooltip: "Tandem: starting", command: "tandem.showLog", warning: false };
  }
  const label = CONNECTION_LABELS[presence.connection];
  const tooltip = tooltipText(presence);
  const command = SIGN_IN_STATES.has(presence.connection) ? "tandem.signIn" : "tandem.showStatus";
  if (label !== undefined) {
    return { text: `${label[0]} Tandem: ${label[1]}`, tooltip, command, warning: false };
  }
  if (presence.connection !== "online") {
    return { text: `$(account) Tandem: ${presence.connection}`, tooltip, command: "tandem.showStatus", warning: false };
  }
  return {
    text: `$(account) ${summary(presence)}`,
    tooltip,
    command: "tandem.showStatus",
    warning: presence.findings.conflict > 0,
  };
}

export function tooltipText(presence: Presence): string {
  const project = presence.project ? `, project ${presence.project.name}` : "";
  const lines = [`Tandem: ${presence.connection.replace("_", " ")}${project}`];
  if (presence.message) lines.push(presence.message);
  lines.push(...presence.teammates.map(teammateLine));
  if (presence.teammates.length === 0 && presence.connection === "online") lines.push("No teammate online");
  const findings = countFindings(presence.findings);
  if (findings.length > 0) lines.push(`In your working copies: ${findings.join(", ")}`);
  return lines.join("\n");
}

/** The quick pick behind the status bar: who is where, then what you can do about it. */
export function pickItems(status: Status): PickItem[] {
  const people: PickItem[] = status.teammates.map((teammate) => ({
    label: `$(person) ${teammate.name || teammate.user_id}`,
    description: [teammate.branch, teammate.file].filter(Boolean).join(" — "),
    detail: teammate.state,
  }));
  if (people.length === 0) people.push({ label: "No teammate online", description: status.project?.name ?? "" });
  const actions: PickItem[] = SIGN_IN_STATES.has(status.connection)
    ? [{ label: "$(sign-in) Sign in", command: "tandem.signIn" }]
    : [{ label: "$(link-external) Open dashboard", command: "tandem.dashboard" }];
  actions.push(
    { label: "$(debug-restart) Restart the agent", command: "tandem.restartAgent" },
    { label: "$(output) Show log", command: "tandem.showLog" },
  );
  return [...people, ...actions];
}
