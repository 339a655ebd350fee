// The project settings document (docs/projects.md), the project's name, and deleting it.

import * as api from "../api.js";
import { field, fill, formValues, h, notice, select } from "../dom.js";
import { can } from "../format.js";
import { act, explain } from "../layout.js";
import { navigate } from "../router.js";

function saver(form, status, run) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await run(formValues(form));
      fill(status, notice("ok", "Saved."));
    } catch (err) {
      fill(status, notice("error", explain(err)));
    }
  });
}

export async function settingsTab(ctx, body) {
  const settings = await api.get(api.path`/api/projects/${ctx.id}/settings`);
  const editable = can.manageProject(ctx.role);
  const n = settings.notification_defaults;

  const projectStatus = h("div", { class: "status" });
  const projectForm = h(
    "form",
    { class: "card", "aria-labelledby": "project-title" },
    h(
      "fieldset",
      { disabled: !editable },
      h("legend", { id: "project-title" }, "Project"),
      field("Name", h("input", { name: "name", value: ctx.project.name, required: true, maxlength: 200 })),
      field("Description", h("textarea", { name: "description", rows: 2, value: ctx.project.description })),
      editable ? h("button", { type: "submit" }, "Save project") : null,
    ),
    projectStatus,
  );
  saver(projectForm, projectStatus, async ({ name, description }) => {
    ctx.project = await api.patch(api.path`/api/projects/${ctx.id}`, { name: name.trim(), description });
  });

  const status = h("div", { class: "status" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "settings-title" },
    h(
      "fieldset",
      { disabled: !editable },
      h("legend", { id: "settings-title" }, "Conflict detection"),
      field("Default branch", h("input", { name: "default_branch", value: settings.default_branch, required: true })),
      field(
        "Notify from",
        select(
          { name: "conflict_sensitivity" },
          [
            ["conflict", "Conflict: the same lines"],
            ["overlap", "Overlap: the same function or class"],
            ["nearby", "Nearby: the same file"],
          ],
          settings.conflict_sensitivity,
        ),
        "The lowest severity that notifies people.",
      ),
      field(
        "Keep activity for (days)",
        h("input", { name: "activity_retention_days", type: "number", min: 1, max: 3650, value: String(settings.activity_retention_days) }),
      ),
    ),
    h(
      "fieldset",
      { disabled: !editable },
      h("legend", {}, "Notifications for new members"),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "email", checked: n.email }), " Email"),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "desktop", checked: n.desktop }), " Desktop and editor"),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "mentions", checked: n.mentions }), " Mentions"),
      field("Digest", select({ name: "digest" }, [["off", "Off"], ["daily", "Daily"], ["weekly", "Weekly"]], n.digest)),
      editable ? h("button", { type: "submit" }, "Save settings") : null,
    ),
    status,
  );
  saver(form, status, async (v) => {
    await api.patch(api.path`/api/projects/${ctx.id}/settings`, {
      default_branch: v.default_branch.trim(),
      conflict_sensitivity: v.conflict_sensitivity,
      activity_retention_days: Number(v.activity_retention_days),
      notification_defaults: { email: v.email, desktop: v.desktop, mentions: v.mentions, digest: v.digest },
    });
  });

  let danger = null;
  if (can.deleteProject(ctx.role)) {
    const dangerStatus = h("div", { class: "status" });
    const remove = h("button", { type: "button", class: "danger" }, "Delete project");
    remove.addEventListener("click", () =>
      act(remove, dangerStatus, async () => {
        if (!window.confirm(`Delete ${ctx.project.name} with its members, invitations and history?`)) return;
        await api.del(api.path`/api/projects/${ctx.id}`);
        navigate("/dashboard/projects", { replace: true });
      }),
    );
    danger = h("section", { class: "card danger-zone", "aria-labelledby": "danger-title" }, h("h3", { id: "danger-title" }, "Delete the project"), remove, dangerStatus);
  }
  fill(
    body,
    h("h2", { id: "tab-title" }, "Settings"),
    editable ? null : h("p", { class: "help" }, "Owners and maintainers change these settings."),
    projectForm,
    form,
    danger,
  );
}
