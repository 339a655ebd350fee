// The extension's wiring over fakes: commands, the client's life, presence on the status bar, settings changes.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, mock } from "node:test";

import { FOCUS_DELAY_MS, Tandem } from "../src/tandem";
import { FakeClient, FakeHost, presence } from "./fakes";

async function activated(settings: Record<string, unknown> = {}) {
  const host = new FakeHost(settings);
  const clients: FakeClient[] = [];
  const tandem = new Tandem(host, (launch, options, hook) => {
    const client = new FakeClient(launch, options, hook);
    clients.push(client);
    return client;
  });
  await tandem.activate();
  const current = () => {
    const client = clients.at(-1);
    assert.ok(client, "no client was made");
    return client;
  };
  return { host, tandem, clients, current };
}

describe("activate", () => {
  it("registers every command the manifest declares, once, and nothing else", async () => {
    const { host } = await activated();
    const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as {
      contributes: { commands: { command: string }[] };
    };
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual([...host.commands.keys()].sort(), declared);
  });

  it("starts the server with the configured command and the settings as initializationOptions", async () => {
    const { current } = await activated({ interpreter: "/venv/bin/python", severity: { nearby: "hint" } });
    const client = current();
    assert.ok(client.started);
    assert.deepEqual(client.launch, { command: "/venv/bin/python", args: ["-m", "tandem", "lsp"] });
    assert.equal(client.initializationOptions.tandem.severity.nearby, "hint");
  });

  it("tells the user what to set when the server does not start", async () => {
    const host = new FakeHost({ command: ["nope", "lsp"] });
    const tandem = new Tandem(host, (launch, options) => {
      const client = new FakeClient(launch, options);
      client.failStart = new Error("spawn nope ENOENT");
      return client;
    });
    await tandem.activate();
    assert.equal(host.errors.length, 1);
    assert.match(host.errors[0] ?? "", /`nope lsp` did not start \(spawn nope ENOENT\); set tandem.command/);
    assert.ok(host.logged.some((line) => line.startsWith("error: starting the language server failed")));
    assert.deepEqual(host.views.at(-1), {
      text: "$(error) Tandem",
      tooltip: "Tandem: `nope lsp` did not start: spawn nope ENOENT",
      command: "tandem.showLog",
      warning: true,
    });
  });
});

describe("presence", () => {
  it("drives the status bar from `tandem/presence`", async () => {
    const { host, current } = await activated();
    assert.equal(host.statusText(), "$(sync~spin) Tandem");
    current().notify(presence({ online: 3, findings: { conflict: 0, overlap: 1, nearby: 0 } }));
    assert.equal(host.statusText(), "$(account) 3 online · 1 overlap");
  });

  it("ignores a replaced client's late messages after a restart", async () => {
    const { host, clients, current } = await activated();
    const first = current();
    await host.runCommand("tandem.restart");
    assert.equal(clients.length, 2);
    assert.ok(first.stopped);
    assert.equal(first.listeners, 0);
    first.notify(presence({ online: 9 }));
    assert.equal(host.statusText(), "$(sync~spin) Tandem");
    current().notify(presence({ online: 2 }));
    assert.equal(host.statusText(), "$(account) 2 online");
  });
});

describe("settings changes", () => {
  it("sends new severities with didChangeConfiguration, without restarting", async () => {
    const { host, clients, current } = await activated();
    host.changeSettings({ severity: { conflict: "error" } });
    await Promise.resolve();
    assert.equal(clients.length, 1);
    assert.deepEqual(current().sent, [
      {
        method: "workspace/didChangeConfiguration",
        params: {
          settings: {
            tandem: {
              severity: { conflict: "error", overlap: "information", nearby: "off" },
              agentAutoStart: true,
              debounceMs: 50,
              notifyConflicts: false,
              statusProgress: false,
            },
          },
        },
      },
    ]);
  });

  it("restarts the server when its command changes, and ignores other extensions' settings", async () => {
    const { host, clients } = await activated();
    host.changeSettings({}, false);
    assert.equal(clients.length, 1);
    host.changeSettings({ command: ["/opt/tandem", "lsp"] });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(clients.length, 2);
    assert.ok(clients[0]?.stopped);
    assert.deepEqual(clients[1]?.launch, { command: "/opt/tandem", args: ["lsp"] });
  });
});

describe("commands", () => {
  it("signs in by running `tandem login` in a terminal", async () => {
    const { host } = await activated({ serverUrl: "https://tandem.example" });
    await host.runCommand("tandem.signIn");
    assert.deepEqual(host.terminals, [
      { name: "Tandem: sign in", argv: ["tandem", "login", "--server", "https://tandem.example"] },
    ]);
  });

  it("lists who is where from `tandem/status`, and runs the chosen server command", async () => {
    const { host, current } = await activated();
    const bob = { user_id: "u2", name: "bob", state: "online", branch: "feature", file: "app/main.py" };
    current().status_ = { ...presence({ teammates: [bob], online: 1 }), workcopies: [], agent: {} };
    host.choose = "$(debug-restart) Restart the agent";
    await host.runCommand("tandem.showStatus");
    const [shown] = host.picks;
    assert.ok(shown);
    assert.equal(shown.placeholder, "Tandem: online, Widgets");
    assert.equal(shown.items[0]?.label, "$(person) bob");
    assert.deepEqual(current().sent.at(-1), {
      method: "workspace/executeCommand",
      params: { command: "tandem.restartAgent", arguments: [] },
    });
  });

  it("asks the server to open the dashboard (it answers with window/showDocument)", async () => {
    const { host, current } = await activated();
    await host.runCommand("tandem.dashboard");
    assert.deepEqual(current().sent, [
      { method: "workspace/executeCommand", params: { command: "tandem.openDashboard", arguments: [] } },
    ]);
  });

  it("reports a failing command once, with its reason, and keeps working", async () => {
    const { host, current } = await activated();
    await host.runCommand("tandem.showStatus"); // the fake has no status to give
    assert.deepEqual(host.errors, ["Tandem: tandem.showStatus failed: no status"]);
    await host.runCommand("tandem.showLog");
    assert.ok(host.logged.includes("shown"));
    assert.ok(current().started);
  });

  it("says the server is not running instead of failing obscurely after close", async () => {
    const { host, tandem } = await activated();
    const registered = [...host.commands.entries()];
    await tandem.close();
    assert.equal(host.commands.size, 0);
    const showStatus = registered.find(([id]) => id === "tandem.showStatus")?.[1];
    assert.ok(showStatus);
    await showStatus();
    assert.match(host.errors[0] ?? "", /the Tandem language server is not running/);
  });
});

describe("server commands and focus", () => {
  it("asks for the text of a message to a teammate, and sends nothing on Escape", async () => {
    const { host, current } = await activated();
    const hook = current().beforeCommand;
    host.answer = "Can we talk?";
    assert.deepEqual(await hook("tandem.message", ["f1", "u2"]), ["f1", "u2", "Can we talk?"]);
    host.answer = "";
    assert.deepEqual(await hook("tandem.message", ["f1", "u2"]), ["f1", "u2", ""]);
    host.answer = undefined;
    assert.equal(await hook("tandem.message", ["f1", "u2"]), undefined);
    assert.equal(host.asked.length, 3);
    assert.deepEqual(await hook("tandem.message", ["f1", "u2", "given"]), ["f1", "u2", "given"]);
    assert.deepEqual(await hook("tandem.dismiss", ["f1"]), ["f1"]);
    assert.equal(host.asked.length, 3);
  });

  it("tells the server where the cursor rests, once it has rested", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const { host, current } = await activated();
      host.moveCursor("file:///w/a.py", 3);
      mock.timers.tick(FOCUS_DELAY_MS - 1);
      host.moveCursor("file:///w/a.py", 7);
      mock.timers.tick(FOCUS_DELAY_MS - 1);
      assert.deepEqual(current().sent, []);
      mock.timers.tick(1);
      assert.deepEqual(current().sent, [{ method: "tandem/focus", params: { uri: "file:///w/a.py", line: 7 } }]);
    } finally {
      mock.timers.reset();
    }
  });
});
