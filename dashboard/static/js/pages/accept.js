// /invitations/<token>: the link an invitee got. Sign in (or up) first if needed, then accept or decline.

import * as api from "../api.js";
import { fill, h, notice } from "../dom.js";
import { act, explain, show, signOut } from "../layout.js";
import { live } from "../live.js";
import { navigate } from "../router.js";

const ANSWERS = {
  invitation_not_found: "This invitation link is not valid: it may have been replaced by a newer one. Ask for a new link.",
  invitation_used: "This invitation was already accepted.",
  invitation_declined: "This invitation was declined.",
  invitation_revoked: "This invitation was withdrawn by the project.",
  invitation_expired: "This invitation has expired. Ask the person who invited you to resend it.",
};

export function acceptInvitation(view) {
  const token = view.params.token;
  const here = `/invitations/${encodeURIComponent(token)}`;
  const user = api.currentUser();
  live.follow(null);
  if (!user) {
    const next = encodeURIComponent(here);
    show(
      view,
      "Invitation",
      h("h1", {}, "You are invited to a Tandem project"),
      h(
        "div",
        { class: "card narrow" },
        h("p", {}, "Sign in with the email address the invitation was sent to, or create an account with it. You will come back here to accept."),
        h(
          "div",
          { class: "row-actions" },
          h("a", { class: "button", href: `/dashboard/signin?next=${next}` }, "Sign in"),
          h("a", { class: "button secondary", href: `/dashboard/register?next=${next}` }, "Create an account"),
        ),
      ),
    );
    return;
  }

  const status = h("div", { class: "status" });
  const accept = h("button", { type: "button" }, "Accept invitation");
  const decline = h("button", { type: "button", class: "secondary" }, "Decline");
  const buttons = h("div", { class: "row-actions" }, accept, decline);

  function refused(err) {
    if (err instanceof api.ApiError && err.code === "wrong_account") {
      const other = h("button", { type: "button", class: "secondary" }, "Sign in with another account");
      other.addEventListener("click", async () => {
        await signOut();
        navigate(`/dashboard/signin?next=${encodeURIComponent(here)}`, { replace: true });
      });
      fill(status, notice("error", `This invitation was sent to another address than ${user.email}.`), other);
      return;
    }
    const known = err instanceof api.ApiError ? ANSWERS[err.code] : null;
    fill(status, notice("error", known ?? explain(err)));
    if (known) buttons.remove();
  }

  accept.addEventListener("click", () =>
    act(accept, null, async () => {
      try {
        const project = await api.post(api.path`/api/invitations/${token}/accept`);
        // Replace the entry: the token should not stay in this tab's history.
        navigate(`/dashboard/projects/${encodeURIComponent(project.id)}`, { replace: true });
      } catch (err) {
        refused(err);
      }
    }),
  );
  decline.addEventListener("click", () =>
    act(decline, null, async () => {
      try {
        await api.post(api.path`/api/invitations/${token}/decline`);
        buttons.remove();
        fill(status, notice("ok", "You declined the invitation."), h("p", {}, h("a", { href: "/dashboard/projects" }, "Go to your projects")));
      } catch (err) {
        refused(err);
      }
    }),
  );
  show(
    view,
    "Invitation",
    h("h1", {}, "Join a Tandem project"),
    h(
      "div",
      { class: "card narrow" },
      h("p", {}, "You were invited to join a project. You are signed in as ", h("strong", {}, user.email), "."),
      buttons,
      status,
    ),
  );
}
