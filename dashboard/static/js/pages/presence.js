// Who of the project is online, idle, away or offline, on which branch and in which file: live.

import * as api from "../api.js";
import { fill, h } from "../dom.js";
import { ago } from "../format.js";
import { live } from "../live.js";

const ORDER = { online: 0, idle: 1, away: 2, offline: 3 };

export async function presenceTab(ctx, body) {
  const entries = new Map();
  const list = h("ul", { class: "presence", "aria-label": "Members' presence", "aria-live": "polite" });
  fill(body, h("h2", { id: "tab-title" }, "Who is working now"), list);

  function draw() {
    const rows = ctx.members.map((member) => ({
      member,
      entry: entries.get(member.user_id) ?? { state: "offline", branch: "", file: "", last_active: null },
    }));
    rows.sort(
      (x, y) => ORDER[x.entry.state] - ORDER[y.entry.state] || ctx.name(x.member.user_id).localeCompare(ctx.name(y.member.user_id)),
    );
    fill(
      list,
      rows.map(({ member, entry }) =>
        h(
          "li",
          { class: ["person", entry.state], dataset: { userId: member.user_id, state: entry.state } },
          h("span", { class: "dot", "aria-hidden": "true" }),
          h("strong", { class: "name" }, ctx.name(member.user_id)),
          h("span", { class: "state" }, entry.state),
          entry.branch ? h("span", { class: "branch" }, h("span", { class: "sr" }, "branch "), h("code", {}, entry.branch)) : null,
          entry.file ? h("span", { class: "file" }, h("span", { class: "sr" }, "file "), h("code", {}, entry.file)) : null,
          entry.last_active && entry.state !== "offline"
            ? h("span", { class: "meta" }, `active ${ago(entry.last_active)}`)
            : null,
        ),
      ),
    );
  }

  const snapshot = await api.get(api.path`/api/projects/${ctx.id}/presence`);
  for (const entry of snapshot.items) entries.set(entry.user_id, entry);
  if (live.project === ctx.id) for (const [userId, entry] of live.presence) entries.set(userId, entry);
  draw();
  ctx.onMembersChanged(draw);
  ctx.listen((event) => {
    if (event.type === "live.subscribed" && event.project_id === ctx.id) {
      for (const [userId, entry] of live.presence) entries.set(userId, entry);
      draw();
    } else if (event.type === "presence" && event.project_id === ctx.id) {
      entries.set(event.user_id, event);
      draw();
    }
  });
}
