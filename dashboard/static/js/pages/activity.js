// Recent activity of the project: who worked on which file of which branch, with filters kept in the URL.

import * as api from "../api.js";
import { field, fill, formValues, h, select } from "../dom.js";
import { when } from "../format.js";
import { navigate } from "../router.js";

const FILTERS = ["user_id", "repository_id", "branch", "path", "since", "until"];

/** A date input's day as the API's datetime: the start of that day (``until``: the start of the next), local time. */
function dayBound(value, next) {
  const date = new Date(`${value}T00:00:00`);
  if (next) date.setDate(date.getDate() + 1);
  return date.toISOString();
}

export async function activityTab(ctx, body) {
  const query = ctx.view.query;
  const repos = (await api.get(api.path`/api/projects/${ctx.id}/repositories`)).items;
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filter activity" },
    field(
      "Person",
      select({ name: "user_id" }, [["", "Everyone"], ...ctx.members.map((m) => [m.user_id, ctx.name(m.user_id)])], query.get("user_id") ?? ""),
    ),
    field(
      "Repository",
      select({ name: "repository_id" }, [["", "All"], ...repos.map((r) => [r.id, r.url])], query.get("repository_id") ?? ""),
    ),
    field("Branch", h("input", { name: "branch", value: query.get("branch") ?? "" })),
    field("File or folder", h("input", { name: "path", value: query.get("path") ?? "", placeholder: "src/ or src/app.py" })),
    field("From", h("input", { name: "since", type: "date", value: query.get("since") ?? "" })),
    field("To", h("input", { name: "until", type: "date", value: query.get("until") ?? "" })),
    h("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    const params = new URLSearchParams(FILTERS.filter((k) => values[k]).map((k) => [k, values[k].trim()]));
    const search = params.toString();
    navigate(`${window.location.pathname}${search ? `?${search}` : ""}`, { replace: true });
  });

  const rows = h("tbody");
  const more = h("div");
  const repoName = new Map(repos.map((r) => [r.id, r.url]));
  const table = h(
    "table",
    {},
    h("caption", { class: "sr" }, "Activity, newest first"),
    h(
      "thead",
      {},
      h("tr", {}, ["Day", "Person", "Repository", "Branch", "File", "Updates", "Last seen"].map((t) => h("th", { scope: "col" }, t))),
    ),
    rows,
  );
  fill(body, h("h2", { id: "tab-title" }, "Recent activity"), form, table, more);

  const params = new URLSearchParams({ limit: "50" });
  for (const key of FILTERS) {
    const value = query.get(key);
    if (!value) continue;
    params.set(key, key === "since" || key === "until" ? dayBound(value, key === "until") : value);
  }

  async function load(cursor) {
    if (cursor) params.set("cursor", cursor);
    const page = await api.get(`${api.path`/api/projects/${ctx.id}/activity`}?${params}`);
    rows.append(
      ...page.items.map((a) =>
        h(
          "tr",
          {},
          h("td", {}, a.day),
          h("td", {}, ctx.name(a.user_id)),
          h("td", {}, repoName.get(a.repository_id) ?? "a removed repository"),
          h("td", {}, h("code", {}, a.branch)),
          h("td", {}, h("code", {}, a.path)),
          h("td", { class: "num" }, String(a.updates)),
          h("td", {}, when(a.last_seen)),
        ),
      ),
    );
    if (!cursor && page.items.length === 0) rows.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No activity matches.")));
    fill(
      more,
      page.next_cursor ? h("button", { type: "button", class: "secondary", onclick: () => load(page.next_cursor) }, "Show more") : null,
    );
  }
  await load(null);
}
