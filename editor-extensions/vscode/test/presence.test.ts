// What the status bar says, its tooltip, and the quick pick of who is where.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { pickItems, statusView, summary, teammateLine, tooltipText } from "../src/presence";
import { presence } from "./fakes";

const bob = { user_id: "u2", name: "bob", state: "online", branch: "feature", file: "app/main.py" };
const carol = { user_id: "u3", name: "carol", state: "idle", branch: "main", file: "" };

describe("status bar", () => {
  it("counts who is online and the open findings, singular and plural", () => {
    const p = presence({ online: 3, findings: { conflict: 0, overlap: 1, nearby: 0 } });
    assert.equal(summary(p), "3 online · 1 overlap");
    assert.equal(statusView(p).text, "$(account) 3 online · 1 overlap");
    const many = presence({ online: 1, findings: { conflict: 2, overlap: 3, nearby: 4 } });
    assert.equal(summary(many), "1 online · 2 conflicts · 3 overlaps · 4 nearby");
  });

  it("prefers the server's summary, which leaves out the severities set to off", () => {
    const p = presence({ online: 2, findings: { conflict: 0, overlap: 0, nearby: 4 }, summary: "2 online" });
    assert.equal(statusView(p).text, "$(account) 2 online");
  });

  it("warns on a conflict and opens the list on click", () => {
    assert.equal(statusView(presence({ findings: { conflict: 1, overlap: 0, nearby: 0 } })).warning, true);
    const quiet = statusView(presence({ findings: { conflict: 0, overlap: 5, nearby: 0 } }));
    assert.equal(quiet.warning, false);
    assert.equal(quiet.command, "tandem.showStatus");
  });

  it("says when it is starting, signed out, offline or paused", () => {
    assert.equal(statusView(undefined).text, "$(sync~spin) Tandem");
    const signedOut = statusView(presence({ connection: "signed_out", project: null }));
    assert.equal(signedOut.text, "$(account) Tandem: sign in");
    assert.equal(signedOut.command, "tandem.signIn");
    assert.equal(statusView(presence({ connection: "offline" })).text, "$(debug-disconnect) Tandem: offline");
    assert.equal(statusView(presence({ connection: "paused" })).text, "$(debug-pause) Tandem: paused");
    const expired = statusView(presence({ connection: "unauthorized", message: "the server refused the token" }));
    assert.equal(expired.text, "$(account) Tandem: sign in again");
    assert.equal(expired.command, "tandem.signIn");
    assert.match(expired.tooltip, /^Tandem: unauthorized, project Widgets\nthe server refused the token$/);
    assert.equal(statusView(presence({ connection: "upgrading" })).text, "$(account) Tandem: upgrading");
  });
});

describe("tooltip", () => {
  it("lists who is where: name — branch — file", () => {
    const p = presence({ online: 2, teammates: [bob, carol], findings: { conflict: 1, overlap: 2, nearby: 0 } });
    assert.equal(
      tooltipText(p),
      [
        "Tandem: online, project Widgets",
        "bob — feature — app/main.py",
        "carol — main (idle)",
        "In your working copies: 1 conflict, 2 overlaps",
      ].join("\n"),
    );
    assert.equal(teammateLine({ ...bob, name: "" }), "u2 — feature — app/main.py");
  });

  it("says nobody is online rather than showing nothing", () => {
    assert.equal(tooltipText(presence()), "Tandem: online, project Widgets\nNo teammate online");
    assert.equal(tooltipText(presence({ connection: "signed_out", project: null })), "Tandem: signed out");
  });
});

describe("quick pick", () => {
  const status = { ...presence({ teammates: [bob], online: 1 }), workcopies: [], agent: {} };

  it("shows each teammate, then the actions", () => {
    const items = pickItems(status);
    assert.deepEqual(items[0], { label: "$(person) bob", description: "feature — app/main.py", detail: "online" });
    assert.deepEqual(
      items.slice(1).map((item) => item.command),
      ["tandem.dashboard", "tandem.restartAgent", "tandem.showLog"],
    );
  });

  it("offers to sign in when signed out", () => {
    const items = pickItems({ ...status, connection: "signed_out", teammates: [] });
    assert.equal(items[0]?.label, "No teammate online");
    assert.equal(items[1]?.command, "tandem.signIn");
  });
});
