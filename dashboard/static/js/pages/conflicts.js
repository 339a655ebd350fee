// The project's open findings, live; ``#<finding id>`` (the editor's link) highlights one of them, or tells
// when it resolved. Each finding's history (opened, changes of severity, resolved) opens on demand.

import * as api from "../api.js";
import { fill, h, notice } from "../dom.js";
import { ago, lines, plural, toDate, when } from "../format.js";

const SEVERITY = {
  conflict: "Conflict: the same lines",
  overlap: "Overlap: the same function or class",
  nearby: "Nearby: the same file",
};
const RANK = { conflict: 0, overlap: 1, nearby: 2 };
const KEEP_LIVE_MS = 10_000; // findings seen live are kept over a refetch for this long (the store writes in batches)
const REFETCH_MS = 30_000;
const STALE_MS = 2_000; // a followed finding the store still calls open is asked about again after this long

/** One shape for findings from GET /conflicts (a, b and regions in ``detail``) and from ``finding`` events. */
export function normalize(item) {
  const detail = item.detail ?? item;
  return {
    id: item.id,
    path: item.path,
    severity: item.severity,
    approximate: Boolean(item.approximate),
    a: detail.a ?? { user_id: item.user_a },
    b: detail.b ?? { user_id: item.user_b },
    regions: detail.regions ?? [],
    symbols: detail.symbols ?? [],
    opened_at: item.opened_at,
    updated_at: item.updated_at,
    muted: item.muted ?? null,
  };
}

export async function conflictsTab(ctx, body) {
  const findings = new Map(); // id -> finding
  const seenLive = new Map(); // id -> when a live event last told us about it
  const list = h("div", { class: "findings", "aria-live": "polite" });
  const missing = h("div");
  const mineBox = h("input", { type: "checkbox", name: "mine" });
  const summary = h("p", { class: "meta", id: "conflicts-summary" });
  fill(
    body,
    h("h2", { id: "tab-title" }, "Open conflicts"),
    h(
      "p",
      { class: "help" },
      "Dismissing and snoozing are done in the editor; this page shows their state. Findings you are part of update instantly.",
    ),
    h("label", { class: "inline" }, mineBox, " Only the ones I am part of"),
    summary,
    missing,
    list,
  );

  function side(s) {
    const parts = [ctx.name(s.user_id)];
    if (s.branch) parts.push(`on ${s.branch}`);
    return parts.join(" ");
  }

  function region(r, first, second, swap) {
    const [x, y] = swap ? [r.b, r.a] : [r.a, r.b];
    return h(
      "li",
      {},
      h("span", { class: ["badge", r.severity] }, r.severity),
      " ",
      h("span", {}, `${ctx.name(first.user_id)}: ${lines(x?.new)}`),
      " · ",
      h("span", {}, `${ctx.name(second.user_id)}: ${lines(y?.new)}`),
      r.symbols?.length ? h("span", { class: "symbols" }, " in ", h("code", {}, r.symbols.join(", "))) : null,
    );
  }

  function mutedText(f) {
    const muted = f.muted;
    if (!muted || (muted.until && toDate(muted.until) < new Date())) return null;
    if (RANK[f.severity] < RANK[muted.severity]) return `You muted this as ${muted.severity}; it has become more severe since.`;
    if (muted.until) return `You snoozed this until ${when(muted.until)}.`;
    return "You dismissed this: your editor hides it until it gets more severe.";
  }

  const histories = new Map(); // "<id>@<updated_at>" -> the finding's history, as last fetched
  const openHistories = new Set(); // ids whose history box is open: kept open over redraws

  function historyList(events) {
    return h(
      "ol",
      { class: "history", "aria-label": "History" },
      events.map((e) =>
        h(
          "li",
          {},
          e.kind === "resolved" ? "Resolved" : e.kind === "opened" ? "Opened as " : "Became ",
          e.kind === "resolved" ? null : h("span", { class: ["badge", e.severity] }, e.severity),
          " · ",
          h("time", { datetime: e.at, title: when(e.at) }, ago(e.at)),
        ),
      ),
    );
  }

  function historyBox(f) {
    const key = `${f.id}@${f.updated_at}`;
    const box = h("div");
    async function load() {
      if (histories.has(key)) return fill(box, historyList(histories.get(key)));
      fill(box, h("p", { class: "meta" }, "Loading…"));
      try {
        const result = await api.get(api.path`/api/projects/${ctx.id}/conflicts/${f.id}`);
        histories.set(key, result.history);
        fill(box, historyList(result.history));
      } catch (err) {
        const text = err.status === 404 ? "Not recorded yet: the history is written every half second." : err.message;
        fill(box, notice("info", text));
      }
    }
    const details = h(
      "details",
      {
        class: "history-box",
        open: openHistories.has(f.id),
        ontoggle: () => {
          if (details.open) {
            openHistories.add(f.id);
            load();
          } else openHistories.delete(f.id);
        },
      },
      h("summary", {}, "History"),
      box,
    );
    return details;
  }

  function card(f) {
    const mine = f.a.user_id === ctx.me.id || f.b.user_id === ctx.me.id;
    const swap = f.b.user_id === ctx.me.id; // my side first
    const [first, second] = swap ? [f.b, f.a] : [f.a, f.b];
    return h(
      "article",
      { class: ["card", "finding", f.severity], id: f.id, tabindex: "-1", "aria-labelledby": `title-${f.id}` },
      h(
        "h3",
        { id: `title-${f.id}` },
        h("span", { class: ["badge", f.severity] }, f.severity),
        " ",
        h("code", {}, f.path),
      ),
      h("p", { class: "people" }, `${side(first)} and ${side(second)}`, mine ? [" ", h("span", { class: "tag" }, "you are part of it")] : null),
      h("p", { class: "meta" }, SEVERITY[f.severity] ?? f.severity),
      f.regions.length ? h("ul", { class: "regions", "aria-label": "Regions" }, f.regions.map((r) => region(r, first, second, swap))) : null,
      f.symbols.length ? h("p", {}, "Touches ", h("code", {}, f.symbols.join(", "))) : null,
      f.approximate
        ? h("p", { class: "warn" }, "Approximate: the two sides started from different commits, lines were compared as if they had not.")
        : null,
      mutedText(f) ? h("p", { class: "muted-state" }, mutedText(f)) : null,
      h("p", { class: "meta" }, `Opened ${ago(f.opened_at)} · updated ${ago(f.updated_at)}`),
      historyBox(f),
    );
  }

  const followed = new Map(); // id -> {asked, result}: what the store said of a followed finding that is not open here
  function explain(id) {
    const known = followed.get(id);
    if (known?.result?.state === "resolved") return fill(missing, resolvedNotice(known.result));
    if (known && (known.pending || Date.now() - known.asked < STALE_MS)) return;
    const entry = { asked: Date.now(), pending: true, result: null };
    followed.set(id, entry);
    api
      .get(api.path`/api/projects/${ctx.id}/conflicts/${id}`)
      .then((result) => {
        entry.result = result;
        // Still the finding followed, and still not shown open: say when it resolved.
        if (result.state === "resolved" && decodeURIComponent(window.location.hash.slice(1)) === id && !findings.has(id)) {
          fill(missing, resolvedNotice(result));
        }
      })
      .catch(() => {}) // not recorded (yet), or not this project's: the general notice stays
      .finally(() => {
        entry.pending = false;
      });
  }

  function resolvedNotice(result) {
    return h(
      "div",
      { class: ["notice", "info"], role: "status" },
      h("p", {}, "The conflict you followed in ", h("code", {}, result.finding.path), ` was resolved ${ago(result.resolved_at)}.`),
      historyList(result.history),
    );
  }

  let scrolledTo = null; // the anchor already brought into view: later redraws leave the scroll position alone
  function highlight() {
    const wanted = decodeURIComponent(window.location.hash.slice(1));
    for (const el of list.querySelectorAll(".highlight")) {
      el.classList.remove("highlight");
      el.removeAttribute("aria-current");
    }
    fill(missing);
    if (!wanted) return;
    const el = document.getElementById(wanted);
    if (el && list.contains(el)) {
      el.classList.add("highlight");
      el.setAttribute("aria-current", "true");
      if (scrolledTo !== wanted) {
        scrolledTo = wanted;
        el.scrollIntoView({ block: "center" });
        el.focus({ preventScroll: true });
      }
    } else {
      fill(missing, notice("info", "The conflict you followed is not open any more (or not visible with this filter)."));
      explain(wanted);
    }
  }

  function draw() {
    const shown = [...findings.values()]
      .filter((f) => !mineBox.checked || f.a.user_id === ctx.me.id || f.b.user_id === ctx.me.id)
      .sort((x, y) => RANK[x.severity] - RANK[y.severity] || toDate(y.updated_at) - toDate(x.updated_at));
    fill(summary, shown.length ? plural(shown.length, "open finding") : "");
    fill(list, shown.length ? shown.map(card) : h("p", { class: "empty" }, "No open conflicts. Everyone is working apart."));
    highlight();
  }

  async function refetch() {
    const result = await api.get(api.path`/api/projects/${ctx.id}/conflicts`);
    if (ctx.view.signal.aborted) return;
    const now = Date.now();
    for (const id of [...findings.keys()]) {
      if (now - (seenLive.get(id) ?? 0) > KEEP_LIVE_MS) findings.delete(id);
    }
    for (const item of result.items) {
      if (!seenLive.has(item.id) || now - seenLive.get(item.id) > KEEP_LIVE_MS) findings.set(item.id, normalize(item));
    }
    draw();
  }

  let pending = null;
  function refetchSoon() {
    clearTimeout(pending);
    pending = setTimeout(() => refetch().catch(() => {}), 1000);
  }

  let loaded = false;
  // Listen before the first fetch, so that nothing said meanwhile is missed.
  ctx.listen((event) => {
    if (event.type === "finding" && event.finding?.project_id === ctx.id) {
      const f = normalize(event.finding);
      seenLive.set(f.id, Date.now());
      if (event.change === "resolved") findings.delete(f.id);
      else findings.set(f.id, { ...f, muted: findings.get(f.id)?.muted ?? null });
      if (loaded) draw();
    } else if (event.type === "finding.muted" && findings.has(event.finding_id)) {
      findings.get(event.finding_id).muted = { severity: event.severity, until: event.until };
      if (loaded) draw();
    } else if (event.project_id === ctx.id && (event.type === "presence" || event.type === "live.subscribed")) {
      // Findings between two other people are not sent to me: a teammate's move is the hint to look again.
      refetchSoon();
    }
  });
  await refetch();
  loaded = true;
  if (window.location.hash.length > 1 && !list.querySelector(".highlight")) {
    refetchSoon(); // followed a link to a finding that opened an instant ago: the store writes in batches
  }
  mineBox.addEventListener("change", () => draw());
  const onHash = () => {
    scrolledTo = null;
    highlight();
  };
  window.addEventListener("hashchange", onHash);
  const timer = setInterval(() => refetch().catch(() => {}), REFETCH_MS);
  ctx.view.signal.addEventListener("abort", () => {
    window.removeEventListener("hashchange", onHash);
    clearInterval(timer);
    clearTimeout(pending);
  });
  ctx.onMembersChanged(() => draw());
}
