// The project's repositories: registered by remote URL, which is how agents find their project.

import * as api from "../api.js";
import { field, fill, formValues, h, notice } from "../dom.js";
import { can, when } from "../format.js";
import { act, explain } from "../layout.js";

export async function repositoriesTab(ctx, body) {
  const status = h("div", { class: "status" });
  const rows = h("tbody");
  let form = null;
  if (can.registerRepositories(ctx.role)) {
    form = h(
      "form",
      { class: "card", "aria-labelledby": "repo-title" },
      h("h3", { id: "repo-title" }, "Register a repository"),
      field(
        "Remote URL",
        h("input", { name: "remote_url", required: true, autocomplete: "off", placeholder: "git@github.com:acme/widgets.git" }),
        "Any spelling of the remote: SSH, HTTPS; credentials in it are dropped.",
      ),
      field("Default branch", h("input", { name: "default_branch", value: "main", required: true })),
      h("button", { type: "submit" }, "Register"),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { remote_url, default_branch } = formValues(form);
      try {
        const repo = await api.post(api.path`/api/projects/${ctx.id}/repositories`, {
          remote_url: remote_url.trim(),
          default_branch: default_branch.trim(),
        });
        form.reset();
        fill(status, notice("ok", `Registered ${repo.url}.`));
        await load();
      } catch (err) {
        fill(status, notice("error", explain(err)));
      }
    });
  }
  fill(
    body,
    h("h2", { id: "tab-title" }, "Repositories"),
    h(
      "table",
      { class: "repositories" },
      h("caption", { class: "sr" }, "Registered repositories"),
      h("thead", {}, h("tr", {}, ["Repository", "Default branch", "Added", ""].map((t) => h("th", { scope: "col" }, t)))),
      rows,
    ),
    status,
    form,
  );

  function remover(repo) {
    if (!can.removeRepositories(ctx.role)) return null;
    const button = h("button", { type: "button", class: "danger", "aria-label": `Remove ${repo.url}` }, "Remove");
    button.addEventListener("click", () =>
      act(button, status, async () => {
        if (!window.confirm(`Remove ${repo.url} and its activity history from the project?`)) return;
        await api.del(api.path`/api/projects/${ctx.id}/repositories/${repo.id}`);
        await load();
      }),
    );
    return button;
  }

  async function load() {
    const list = await api.get(api.path`/api/projects/${ctx.id}/repositories`);
    fill(
      rows,
      list.items.length
        ? list.items.map((r) =>
            h("tr", {}, h("td", {}, h("code", {}, r.url)), h("td", {}, r.default_branch), h("td", {}, when(r.created_at)), h("td", {}, remover(r))),
          )
        : h("tr", {}, h("td", { colspan: 4, class: "empty" }, "No repositories yet.")),
    );
  }
  await load();
}
