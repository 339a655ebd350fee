// Sign in and create an account; both return to where the person was going (``?next=``).

import * as api from "../api.js";
import { field, formValues, h, fill, notice } from "../dom.js";
import { explain, show } from "../layout.js";
import { navigate, safeNext } from "../router.js";

function withNext(href, next) {
  return next ? `${href}?next=${encodeURIComponent(next)}` : href;
}

function submitter(form, status, run) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fill(status);
    try {
      await run(formValues(form));
    } catch (err) {
      fill(status, notice("error", message(err)));
      button.disabled = false;
    }
  });
}

function message(err) {
  if (err instanceof api.ApiError) {
    if (err.code === "invalid_credentials") return "Wrong email or password.";
    if (err.status === 429) return "Too many failed attempts: wait a few minutes, then try again.";
    if (err.code === "email_taken") return "An account with this email already exists: sign in instead.";
  }
  return explain(err);
}

export function signIn(view) {
  const next = view.query.get("next");
  if (api.currentUser()) return navigate(safeNext(next), { replace: true });
  const status = h("div", { class: "status" });
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "signin-title" },
    field("Email", h("input", { name: "email", type: "email", autocomplete: "username", required: true })),
    field(
      "Password",
      h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    ),
    status,
    h("button", { type: "submit" }, "Sign in"),
    h("p", {}, "No account yet? ", h("a", { href: withNext("/dashboard/register", next) }, "Create one")),
  );
  submitter(form, status, async ({ email, password }) => {
    await api.login(email.trim(), password);
    await navigate(safeNext(next), { replace: true });
  });
  show(view, "Sign in", h("h1", { id: "signin-title" }, "Sign in to Tandem"), form);
  return undefined;
}

export function register(view) {
  const next = view.query.get("next");
  if (api.currentUser()) return navigate(safeNext(next), { replace: true });
  const status = h("div", { class: "status" });
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "register-title" },
    field("Name", h("input", { name: "name", autocomplete: "name", maxlength: 200 })),
    field("Email", h("input", { name: "email", type: "email", autocomplete: "email", required: true })),
    field(
      "Password",
      h("input", { name: "password", type: "password", autocomplete: "new-password", minlength: 8, required: true }),
      "At least 8 characters; a passphrase is best.",
    ),
    status,
    h("button", { type: "submit" }, "Create account"),
    h("p", {}, "Already have an account? ", h("a", { href: withNext("/dashboard/signin", next) }, "Sign in")),
  );
  submitter(form, status, async ({ name, email, password }) => {
    await api.register(email.trim(), password, name.trim());
    await navigate(safeNext(next), { replace: true });
  });
  show(view, "Create an account", h("h1", { id: "register-title" }, "Create a Tandem account"), form);
  return undefined;
}
