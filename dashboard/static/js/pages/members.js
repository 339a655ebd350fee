// The project's members and their roles; changing roles and removing members as docs/permissions.md allows.

import * as api from "../api.js";
import { fill, h, notice, select } from "../dom.js";
import { can, day } from "../format.js";
import { act } from "../layout.js";
import { navigate } from "../router.js";

export async function membersTab(ctx, body) {
  const status = h("div", { class: "status" });
  const rows = h("tbody");
  const manages = can.manageMembers(ctx.role);
  fill(
    body,
    h("h2", { id: "tab-title" }, "Members"),
    status,
    h(
      "table",
      { class: "members" },
      h("caption", { class: "sr" }, "Members and their roles"),
      h(
        "thead",
        {},
        h("tr", {}, ["Name", "Email", "Role", "Joined", manages ? "Manage" : ""].map((t) => h("th", { scope: "col" }, t))),
      ),
      rows,
    ),
  );

  async function refresh() {
    const fresh = await api.get(api.path`/api/projects/${ctx.id}/members`);
    ctx.setMembers(fresh.items);
    draw();
  }

  function controls(member) {
    const label = member.name || member.email;
    if (member.user_id === ctx.me.id) {
      const leave = h("button", { type: "button", class: "secondary" }, "Leave project");
      leave.addEventListener("click", () =>
        act(leave, status, async () => {
          if (!window.confirm(`Leave ${ctx.project.name}?`)) return;
          await api.del(api.path`/api/projects/${ctx.id}/members/${member.user_id}`);
          navigate("/dashboard/projects", { replace: true });
        }),
      );
      return leave;
    }
    if (!can.manage(ctx.role, member.role)) return null;
    const roles = can.grantable(ctx.role);
    const picker = select({ "aria-label": `Role for ${label}` }, roles.map((r) => [r, r]), member.role);
    const change = h("button", { type: "button", "aria-label": `Change role of ${label}` }, "Change role");
    change.addEventListener("click", () =>
      act(change, status, async () => {
        await api.patch(api.path`/api/projects/${ctx.id}/members/${member.user_id}`, { role: picker.value });
        fill(status, notice("ok", `${label} is now ${picker.value}.`));
        await refresh();
      }),
    );
    const remove = h("button", { type: "button", class: "danger", "aria-label": `Remove ${label}` }, "Remove");
    remove.addEventListener("click", () =>
      act(remove, status, async () => {
        if (!window.confirm(`Remove ${label} from ${ctx.project.name}?`)) return;
        await api.del(api.path`/api/projects/${ctx.id}/members/${member.user_id}`);
        fill(status, notice("ok", `${label} was removed.`));
        await refresh();
      }),
    );
    return h("div", { class: "row-actions" }, picker, change, remove);
  }

  function draw() {
    fill(
      rows,
      ctx.members.map((m) =>
        h(
          "tr",
          { dataset: { userId: m.user_id } },
          h("td", {}, ctx.name(m.user_id)),
          h("td", {}, m.email),
          h("td", {}, h("span", { class: ["role", m.role] }, m.role)),
          h("td", {}, day(m.joined_at)),
          h("td", {}, controls(m)),
        ),
      ),
    );
  }

  draw();
  ctx.onMembersChanged(draw);
}
