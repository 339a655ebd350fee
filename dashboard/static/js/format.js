// Formatting and the permission rules the dashboard mirrors to decide which buttons to show.

export const ROLES = ["owner", "maintainer", "developer", "viewer"];
const RANK = { owner: 3, maintainer: 2, developer: 1, viewer: 0 };

/** Mirrors backend/domain/roles.py (docs/permissions.md): the server enforces, the page only hides. */
export const can = {
  manageProject: (role) => RANK[role] >= RANK.maintainer,
  manageInvitations: (role) => RANK[role] >= RANK.maintainer,
  manageMembers: (role) => RANK[role] >= RANK.maintainer,
  registerRepositories: (role) => RANK[role] >= RANK.developer,
  removeRepositories: (role) => RANK[role] >= RANK.maintainer,
  deleteProject: (role) => role === "owner",
  /** Whether ``actor`` may change the role of, or remove, a member whose role is ``target``. */
  manage: (actor, target) => actor === "owner" || (actor === "maintainer" && RANK[target] < RANK.maintainer),
  /** The roles ``actor`` may give (change or invite): none above their own. */
  grantable: (actor) => (RANK[actor] >= RANK.maintainer ? ROLES.filter((r) => RANK[r] <= RANK[actor]) : []),
};

/** A Date from an ISO string or epoch seconds. */
export function toDate(value) {
  return typeof value === "number" ? new Date(value * 1000) : new Date(value);
}

export function when(value) {
  if (value === null || value === undefined || value === "") return "—";
  const date = toDate(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function day(value) {
  const date = toDate(value);
  return Number.isNaN(date.getTime()) ? "—" : date.toLocaleDateString();
}

export function ago(value) {
  const seconds = Math.round((Date.now() - toDate(value).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return "—";
  if (seconds < 45) return "just now";
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return toDate(value).toLocaleDateString();
}

/** Lines ``[first, count]`` as people read them: "lines 40–52", "line 7", "after line 12". */
export function lines(span) {
  if (!Array.isArray(span)) return "—";
  const [first, count] = span;
  if (count === 0) return `after line ${Math.max(first - 1, 0)}`;
  return count === 1 ? `line ${first}` : `lines ${first}–${first + count - 1}`;
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
