// Invitations to my address, across projects: accept or decline.

import * as api from "../api.js";
import { fill, h, notice } from "../dom.js";
import { when } from "../format.js";
import { act, failure, guard, show } from "../layout.js";
import { live } from "../live.js";
import { navigate } from "../router.js";

export async function inbox(view) {
  if (!guard(view)) return;
  live.follow(null);
  const status = h("div", { class: "status" });
  const list = h("ul", { class: "invitations", "aria-label": "Invitations to you" });

  function item(invitation) {
    const accept = h("button", { type: "button", "aria-label": `Accept the invitation to ${invitation.project_name}` }, "Accept");
    const decline = h("button", { type: "button", class: "secondary", "aria-label": `Decline the invitation to ${invitation.project_name}` }, "Decline");
    accept.addEventListener("click", () =>
      act(accept, status, async () => {
        const project = await api.post(api.path`/api/me/invitations/${invitation.id}/accept`);
        navigate(`/dashboard/projects/${encodeURIComponent(project.id)}`);
      }),
    );
    decline.addEventListener("click", () =>
      act(decline, status, async () => {
        await api.post(api.path`/api/me/invitations/${invitation.id}/decline`);
        fill(status, notice("ok", `You declined the invitation to ${invitation.project_name}.`));
        await load();
      }),
    );
    return h(
      "li",
      { class: "card" },
      h("h2", {}, invitation.project_name),
      h("p", {}, `As ${invitation.role} · expires ${when(invitation.expires_at)}`),
      h("div", { class: "row-actions" }, accept, decline),
    );
  }

  async function load() {
    const result = await api.get("/api/me/invitations");
    fill(list, result.items.length ? result.items.map(item) : h("li", { class: "empty" }, "No invitations waiting for you."));
  }

  try {
    await load();
  } catch (err) {
    failure(view, "Invitations", err);
    return;
  }
  const off = live.on((event) => {
    if (event.type === "invitation.created" || event.type === "invitation.revoked") load().catch(() => {});
  });
  view.signal.addEventListener("abort", off);
  show(view, "Invitations", h("h1", {}, "Invitations to you"), status, list);
}
