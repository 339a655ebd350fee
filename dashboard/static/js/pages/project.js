// One project: its header, its tabs, and the shared context the tabs use (members, role, live events).

import * as api from "../api.js";
import { h, notice } from "../dom.js";
import { can } from "../format.js";
import { failure, guard, show } from "../layout.js";
import { live } from "../live.js";
import { navigate, render } from "../router.js";
import { activityTab } from "./activity.js";
import { conflictsTab } from "./conflicts.js";
import { invitationsTab } from "./invitations.js";
import { membersTab } from "./members.js";
import { presenceTab } from "./presence.js";
import { repositoriesTab } from "./repositories.js";
import { settingsTab } from "./settings.js";

export const TABS = [
  { slug: "", title: "Presence", render: presenceTab },
  { slug: "conflicts", title: "Conflicts", render: conflictsTab },
  { slug: "activity", title: "Activity", render: activityTab },
  { slug: "members", title: "Members", render: membersTab },
  { slug: "invitations", title: "Invitations", render: invitationsTab, visible: (role) => can.manageInvitations(role) },
  { slug: "repositories", title: "Repositories", render: repositoriesTab },
  { slug: "settings", title: "Settings", render: settingsTab },
];

export function projectHref(id, slug = "") {
  return `/dashboard/projects/${encodeURIComponent(id)}${slug ? `/${slug}` : ""}`;
}

const MEMBER_EVENTS = new Set(["member.joined", "member.left", "member.role_changed", "project.updated"]);

/** The context every tab gets: the project, its members by id, the caller's role, and the view's lifetime. */
class ProjectContext {
  constructor(view, project, members, me) {
    this.view = view;
    this.id = project.id;
    this.project = project;
    this.role = project.role;
    this.me = me;
    this.setMembers(members);
    this.updates = new Set();
  }

  setMembers(members) {
    this.members = members;
    this.byId = new Map(members.map((m) => [m.user_id, m]));
  }

  name(userId) {
    const member = this.byId.get(userId);
    if (!member) return "a former member";
    const label = member.name || member.email;
    return userId === this.me.id ? `${label} (you)` : label;
  }

  /** ``fn()`` again when the members change (joined, left, new role). */
  onMembersChanged(fn) {
    this.updates.add(fn);
  }

  /** A live listener that ends with the view. */
  listen(fn) {
    const off = live.on(fn);
    this.view.signal.addEventListener("abort", off);
  }
}

export async function projectPage(view, slug) {
  const me = guard(view);
  if (!me) return;
  const id = view.params.id;
  const tab = TABS.find((t) => t.slug === slug);
  let project;
  let members;
  try {
    [project, members] = await Promise.all([
      api.get(api.path`/api/projects/${id}`),
      api.get(api.path`/api/projects/${id}/members`),
    ]);
  } catch (err) {
    failure(view, "Project", err.status === 404 ? new Error("No such project, or you are not one of its members.") : err);
    return;
  }
  if (view.signal.aborted) return;
  live.follow(id);
  const ctx = new ProjectContext(view, project, members.items, me);
  const body = h("section", { class: "tab", "aria-labelledby": "tab-title" });
  const shown = TABS.filter((t) => !t.visible || t.visible(ctx.role));
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": "Project" },
    h(
      "ul",
      {},
      shown.map((t) =>
        h("li", {}, h("a", { href: projectHref(id, t.slug), "aria-current": t === tab ? "page" : null }, t.title)),
      ),
    ),
  );
  const header = h(
    "header",
    { class: "project-head" },
    h("p", { class: "crumbs" }, h("a", { href: "/dashboard/projects" }, "Projects"), " / "),
    h("h1", {}, project.name),
    project.description ? h("p", {}, project.description) : null,
    h("p", { class: "meta" }, `Your role: ${ctx.role}`),
  );
  show(view, `${tab.title} · ${project.name}`, header, tabs, body);

  ctx.listen(async (event) => {
    if (event.project_id !== id) return;
    if (event.type === "project.deleted" || (event.type === "member.left" && event.user_id === me.id)) {
      navigate("/dashboard/projects", { replace: true });
      return;
    }
    if (event.type === "member.role_changed" && event.user_id === me.id) {
      render(); // what I may do changed: draw the page again
      return;
    }
    if (!MEMBER_EVENTS.has(event.type)) return;
    const fresh = await api.get(api.path`/api/projects/${id}/members`).catch(() => null);
    if (!fresh || view.signal.aborted) return;
    ctx.setMembers(fresh.items);
    for (const fn of ctx.updates) fn();
  });

  try {
    await tab.render(ctx, body);
  } catch (err) {
    if (!view.signal.aborted) body.append(notice("error", err.message));
  }
}
