// A project's invitations: invite by email with a role, show the accept link once, resend, revoke.

import * as api from "../api.js";
import { field, fill, formValues, h, notice, select } from "../dom.js";
import { can, when } from "../format.js";
import { act, explain } from "../layout.js";

/** The accept link, shown once: only a digest of the token is kept by the server. */
function linkBox(issued) {
  const input = h("input", { readOnly: true, value: issued.accept_url, id: "accept-link", class: "link" });
  const copy = h("button", { type: "button", class: "secondary" }, "Copy link");
  const copied = h("span", { role: "status" });
  copy.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(issued.accept_url);
      copied.textContent = "Copied.";
    } catch {
      copied.textContent = "Select the link and copy it.";
    }
  });
  return h(
    "div",
    { class: "card issued", role: "region", "aria-labelledby": "issued-title" },
    h("h3", { id: "issued-title" }, `Invitation link for ${issued.invitation.email}`),
    h("p", {}, "Send this link to them yourself. It is shown only now: if it gets lost, resend the invitation for a new one."),
    h("label", { class: "field", for: "accept-link" }, h("span", { class: "label" }, "Accept link")),
    h("div", { class: "row-actions" }, input, copy, copied),
  );
}

export async function invitationsTab(ctx, body) {
  if (!can.manageInvitations(ctx.role)) {
    fill(body, h("h2", { id: "tab-title" }, "Invitations"), h("p", {}, "Owners and maintainers invite people."));
    return;
  }
  const status = h("div", { class: "status" });
  const issuedBox = h("div");
  const rows = h("tbody");
  const roles = can.grantable(ctx.role);
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "invite-title" },
    h("h3", { id: "invite-title" }, "Invite someone"),
    field("Email", h("input", { name: "email", type: "email", required: true, autocomplete: "off" })),
    field("Role", select({ name: "role" }, roles.map((r) => [r, r]), "developer")),
    h("button", { type: "submit" }, "Invite"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { email, role } = formValues(form);
    try {
      const issued = await api.post(api.path`/api/projects/${ctx.id}/invitations`, { email: email.trim(), role });
      form.reset();
      fill(status);
      fill(issuedBox, linkBox(issued));
      await load();
    } catch (err) {
      fill(status, notice("error", explain(err)));
    }
  });
  fill(
    body,
    h("h2", { id: "tab-title" }, "Invitations"),
    form,
    status,
    issuedBox,
    h("h3", {}, "Pending"),
    h(
      "table",
      { class: "invitations" },
      h("caption", { class: "sr" }, "Pending invitations"),
      h("thead", {}, h("tr", {}, ["Email", "Role", "Expires", "Sent", ""].map((t) => h("th", { scope: "col" }, t)))),
      rows,
    ),
  );

  function actions(invitation) {
    const resend = h("button", { type: "button", class: "secondary", "aria-label": `Resend to ${invitation.email}` }, "Resend");
    resend.addEventListener("click", () =>
      act(resend, status, async () => {
        const issued = await api.post(api.path`/api/projects/${ctx.id}/invitations/${invitation.id}/resend`);
        fill(issuedBox, linkBox(issued));
        await load();
      }),
    );
    const revoke = h("button", { type: "button", class: "danger", "aria-label": `Revoke the invitation of ${invitation.email}` }, "Revoke");
    revoke.addEventListener("click", () =>
      act(revoke, status, async () => {
        if (!window.confirm(`Revoke the invitation of ${invitation.email}?`)) return;
        await api.del(api.path`/api/projects/${ctx.id}/invitations/${invitation.id}`);
        fill(issuedBox);
        fill(status, notice("ok", `The invitation of ${invitation.email} was revoked.`));
        await load();
      }),
    );
    return h("div", { class: "row-actions" }, resend, revoke);
  }

  async function load() {
    const list = await api.get(api.path`/api/projects/${ctx.id}/invitations`);
    const pending = list.items.filter((i) => i.state === "pending");
    fill(
      rows,
      pending.length
        ? pending.map((i) =>
            h(
              "tr",
              { dataset: { invitationId: i.id } },
              h("td", {}, i.email),
              h("td", {}, i.role),
              h("td", {}, when(i.expires_at)),
              h("td", { class: "num" }, String(i.sent_count)),
              h("td", {}, actions(i)),
            ),
          )
        : h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No pending invitations.")),
    );
  }
  await load();
  // Someone accepting removes their row.
  ctx.onMembersChanged(() => load().catch(() => {}));
}
