// Your projects, and a form to create one.

import * as api from "../api.js";
import { field, fill, formValues, h, notice } from "../dom.js";
import { explain, failure, guard, show } from "../layout.js";
import { navigate } from "../router.js";

function projectItem(project) {
  return h(
    "li",
    { class: "card project" },
    h("h2", {}, h("a", { href: `/dashboard/projects/${encodeURIComponent(project.id)}` }, project.name)),
    project.description ? h("p", {}, project.description) : null,
    h("p", { class: "meta" }, `Your role: ${project.role}`),
  );
}

export async function projects(view) {
  if (!guard(view)) return;
  const list = h("ul", { class: "projects", "aria-label": "Your projects" });
  const more = h("div");
  async function load(cursor) {
    const page = await api.get(`/api/projects?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    list.append(...page.items.map(projectItem));
    if (!cursor && page.items.length === 0) list.append(h("li", { class: "empty" }, "No projects yet: create one below."));
    fill(more, page.next_cursor ? h("button", { type: "button", class: "secondary", onclick: () => load(page.next_cursor) }, "Show more") : null);
  }
  try {
    await load(null);
  } catch (err) {
    failure(view, "Projects", err);
    return;
  }
  const status = h("div", { class: "status" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "new-project" },
    h("h2", { id: "new-project" }, "New project"),
    field("Name", h("input", { name: "name", required: true, maxlength: 200 })),
    field("Description", h("textarea", { name: "description", rows: 2, maxlength: 2000 })),
    status,
    h("button", { type: "submit" }, "Create project"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { name, description } = formValues(form);
    try {
      const project = await api.post("/api/projects", { name: name.trim(), description: description.trim() });
      navigate(`/dashboard/projects/${encodeURIComponent(project.id)}`);
    } catch (err) {
      fill(status, notice("error", explain(err)));
    }
  });
  show(view, "Projects", h("h1", {}, "Projects"), list, more, form);
}
