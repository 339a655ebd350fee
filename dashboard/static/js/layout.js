// The page frame: the header with navigation and the live indicator, and how a view puts itself on screen.

import * as api from "./api.js";
import { fill, h, notice } from "./dom.js";
import { live } from "./live.js";
import { navigate } from "./router.js";

const main = () => document.getElementById("main");

/** Put a view on screen, unless the person has already moved on to another one. */
export function show(view, title, ...children) {
  if (view.signal.aborted) return false;
  document.title = `${title} · Tandem`;
  fill(main(), ...children);
  const heading = main().querySelector("h1");
  if (heading && !view.keepFocus) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
  return true;
}

/** The signed-in user, or null after sending the person to sign in (and back here afterwards). */
export function guard(view) {
  const user = api.currentUser();
  if (user) return user;
  navigate(`/dashboard/signin?next=${encodeURIComponent(view.path)}`, { replace: true });
  return null;
}

/** An error as a sentence for people; the server's message when it has one. */
export function explain(err) {
  if (err instanceof api.ApiError) {
    if (err.status === 0) return err.message;
    const fields = Array.isArray(err.details)
      ? err.details.map((d) => `${(d.loc ?? []).filter((p) => p !== "body").join(".")}: ${d.msg}`).join("; ")
      : "";
    return fields ? `${err.message} (${fields})` : err.message;
  }
  return String(err?.message ?? err);
}

export function failure(view, title, err) {
  show(view, title, h("h1", {}, title), notice("error", explain(err)));
}

/** Run an action from a button: disabled while it runs, errors reported in ``where``. */
export async function act(button, where, action) {
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    if (where) fill(where, notice("error", explain(err)));
    else throw err;
  } finally {
    button.disabled = false;
  }
}

const LIVE_TEXT = { online: "Live", connecting: "Connecting…", offline: "Offline, reconnecting…", stopped: "" };

export function renderHeader() {
  const header = document.getElementById("top");
  const user = api.currentUser();
  const status = h("span", { class: ["live", live.state], id: "live-status", role: "status" }, LIVE_TEXT[live.state]);
  const nav = h(
    "nav",
    { "aria-label": "Main" },
    h(
      "ul",
      {},
      user ? h("li", {}, h("a", { href: "/dashboard/projects" }, "Projects")) : null,
      user ? h("li", {}, h("a", { href: "/dashboard/invitations" }, "Invitations")) : null,
      // Coming with later work; shown so the layout does not move when they arrive.
      user ? h("li", { class: "soon" }, h("span", { "aria-disabled": "true" }, "Deployments"), h("small", {}, "soon")) : null,
      user ? h("li", { class: "soon" }, h("span", { "aria-disabled": "true" }, "Notifications"), h("small", {}, "soon")) : null,
    ),
  );
  const account = user
    ? h(
        "div",
        { class: "account" },
        status,
        h("span", { class: "who", title: user.email }, user.name || user.email),
        h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
      )
    : h(
        "div",
        { class: "account" },
        h("a", { href: "/dashboard/signin" }, "Sign in"),
        h("a", { href: "/dashboard/register" }, "Create account"),
      );
  fill(header, h("a", { class: "brand", href: "/dashboard/projects" }, "Tandem"), nav, account);
}

export async function signOut() {
  live.stop();
  await api.logout();
  navigate("/dashboard/signin", { replace: true });
}

live.on((event) => {
  if (event.type !== "live.state") return;
  const el = document.getElementById("live-status");
  if (!el) return;
  el.className = `live ${event.state}`;
  el.textContent = event.detail || LIVE_TEXT[event.state];
});
