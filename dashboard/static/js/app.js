// The dashboard's entry point: restore the session, draw the header, route, and keep the live connection.

import * as api from "./api.js";
import { h } from "./dom.js";
import { failure, guard, renderHeader, show } from "./layout.js";
import { live } from "./live.js";
import { navigate, notFound, route, start } from "./router.js";
import { acceptInvitation } from "./pages/accept.js";
import { register, signIn } from "./pages/auth.js";
import { inbox } from "./pages/inbox.js";
import { projectPage, TABS } from "./pages/project.js";
import { projects } from "./pages/projects.js";

function outsideProjects(page) {
  return (view) => {
    live.follow(null);
    return page(view);
  };
}

route("/dashboard", (view) => (guard(view) ? navigate("/dashboard/projects", { replace: true }) : undefined));
route("/dashboard/signin", outsideProjects(signIn));
route("/dashboard/register", outsideProjects(register));
route("/dashboard/projects", outsideProjects(projects));
route("/dashboard/invitations", inbox);
route("/invitations/:token", acceptInvitation);
for (const tab of TABS) {
  route(`/dashboard/projects/:id${tab.slug ? `/${tab.slug}` : ""}`, (view) => projectPage(view, tab.slug));
}
notFound((view) =>
  show(view, "Not found", h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "/dashboard/projects" }, "Go to your projects"))),
);

api.onSessionChange((user) => {
  renderHeader();
  if (user) {
    live.start();
    return;
  }
  live.stop();
  // The session ended under us (signed out elsewhere, revoked): sign in again and come back.
  const here = window.location.pathname + window.location.search;
  if (!/^\/dashboard\/(signin|register)/.test(window.location.pathname) && !here.startsWith("/invitations/")) {
    navigate(`/dashboard/signin?next=${encodeURIComponent(here)}`, { replace: true });
  }
});

async function boot() {
  // Without changing the URL's #anchor, which on the conflicts page names a finding.
  document.querySelector(".skip")?.addEventListener("click", (event) => {
    event.preventDefault();
    document.getElementById("main").focus();
  });
  try {
    await api.restore();
  } catch (err) {
    renderHeader();
    failure({ signal: new AbortController().signal }, "Tandem", err);
    return;
  }
  renderHeader();
  await start();
}

boot();
