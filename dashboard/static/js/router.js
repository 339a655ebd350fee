// Client-side routing over the History API: /dashboard/... and /invitations/<token> are all served the same page.

const routes = [];
let current = null; // the view being shown: its AbortController ends it when another one starts
let fallback = null;

/** ``route("/dashboard/projects/:id", render)``; ``render(view)`` gets params, query and an AbortSignal. */
export function route(pattern, render) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_m, name) => {
    names.push(name);
    return "([^/]+)";
  });
  routes.push({ regex: new RegExp(`^${source}/?$`), names, render });
}

export function notFound(render) {
  fallback = render;
}

/** A path inside the app, for a ``next`` parameter: anything else (another site, //host) becomes the home page. */
export function safeNext(value) {
  if (typeof value === "string" && /^\/(dashboard|invitations)(\/|$|\?|#)/.test(value)) return value;
  return "/dashboard/projects";
}

export function navigate(to, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  return render();
}

export function render() {
  current?.controller.abort();
  const url = new URL(window.location.href);
  const controller = new AbortController();
  current = { controller };
  for (const { regex, names, render: show } of routes) {
    const match = regex.exec(url.pathname);
    if (!match) continue;
    const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
    return show({ params, query: url.searchParams, signal: controller.signal, path: url.pathname + url.search + url.hash });
  }
  return fallback?.({ params: {}, query: url.searchParams, signal: controller.signal, path: url.pathname });
}

/** Follow in-app links without reloading; other links (new tab, another site, modifiers) behave as usual. */
export function start() {
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const link = event.target.closest("a[href]");
    if (!link || link.target || link.hasAttribute("download")) return;
    const url = new URL(link.href);
    if (url.origin !== window.location.origin || !/^\/(dashboard|invitations)(\/|$)/.test(url.pathname)) return;
    event.preventDefault();
    if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) {
      window.location.hash = url.hash; // same page: only the anchor moves (hashchange)
      return;
    }
    navigate(url.pathname + url.search + url.hash);
  });
  window.addEventListener("popstate", () => render());
  return render();
}
