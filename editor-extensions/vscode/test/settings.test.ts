// The settings: launch command, server settings (initializationOptions), sign-in command, and the manifest.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import { DEFAULTS, initializationOptions, loginCommand, readSettings, sameLaunch } from "../src/settings";

const read = (values: Record<string, unknown>) => (key: string) => values[key];

describe("readSettings", () => {
  it("starts `tandem lsp` with the documented defaults when nothing is set", () => {
    const settings = readSettings(read({}));
    assert.deepEqual(settings.launch, { command: "tandem", args: ["lsp"] });
    assert.deepEqual(settings.server, {
      severity: { conflict: "warning", overlap: "information", nearby: "off" },
      agentAutoStart: true,
      debounceMs: 50,
      notifyConflicts: false,
      statusProgress: false,
    });
    assert.deepEqual(loginCommand(settings), ["tandem", "login"]);
  });

  it("runs `<python> -m tandem lsp` when an interpreter is set, whatever the command says", () => {
    const settings = readSettings(read({ interpreter: " /venv/bin/python ", command: ["other", "lsp"] }));
    assert.deepEqual(settings.launch, { command: "/venv/bin/python", args: ["-m", "tandem", "lsp"] });
    assert.deepEqual(loginCommand(settings), ["/venv/bin/python", "-m", "tandem", "login"]);
  });

  it("uses a custom command, and signs in with the same executable", () => {
    const settings = readSettings(read({ command: ["/opt/tandem/bin/tandem", "lsp"], serverUrl: "https://t.example" }));
    assert.deepEqual(settings.launch, { command: "/opt/tandem/bin/tandem", args: ["lsp"] });
    assert.deepEqual(loginCommand(settings), ["/opt/tandem/bin/tandem", "login", "--server", "https://t.example"]);
  });

  it("signs in with plain `tandem` when the command is a wrapper that does not end in `lsp`", () => {
    const settings = readSettings(read({ command: ["docker", "exec", "-i", "dev", "tandem-lsp"] }));
    assert.equal(settings.launch.command, "docker");
    assert.deepEqual(loginCommand(settings), ["tandem", "login"]);
  });

  it("ignores malformed values instead of starting something odd", () => {
    for (const command of [[], "tandem lsp", ["tandem", 3], ["tandem", " "], null]) {
      assert.deepEqual(readSettings(read({ command })).launch, { command: "tandem", args: ["lsp"] }, String(command));
    }
    const settings = readSettings(
      read({ severity: { conflict: "fatal", overlap: "error" }, agentAutoStart: "yes", debounceMs: -5 }),
    );
    assert.deepEqual(settings.server.severity, { conflict: "warning", overlap: "error", nearby: "off" });
    assert.equal(settings.server.agentAutoStart, true);
    assert.equal(settings.server.debounceMs, 50);
  });

  it("passes the server settings under `tandem`, the fallbacks for editors without an extension off", () => {
    const given = { severity: { nearby: "hint" }, agentAutoStart: false, debounceMs: 120.4, notifyConflicts: true };
    assert.deepEqual(initializationOptions(readSettings(read(given))), {
      tandem: {
        severity: { conflict: "warning", overlap: "information", nearby: "hint" },
        agentAutoStart: false,
        debounceMs: 120,
        notifyConflicts: false,
        statusProgress: false,
      },
    });
  });

  it("compares launch commands argument by argument", () => {
    assert.ok(sameLaunch({ command: "a", args: ["b"] }, { command: "a", args: ["b"] }));
    assert.ok(!sameLaunch({ command: "a", args: ["b"] }, { command: "a", args: ["b", "c"] }));
    assert.ok(!sameLaunch({ command: "a", args: ["b"] }, { command: "a", args: ["c"] }));
  });
});

describe("package.json", () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as {
    contributes: { configuration: { properties: Record<string, { default: unknown }> } };
  };
  const properties = manifest.contributes.configuration.properties;

  it("declares the defaults the code assumes", () => {
    assert.deepEqual(properties["tandem.command"]?.default, ["tandem", "lsp"]);
    assert.equal(properties["tandem.agentAutoStart"]?.default, DEFAULTS.agentAutoStart);
    assert.equal(properties["tandem.debounceMs"]?.default, DEFAULTS.debounceMs);
    for (const [kind, level] of Object.entries(DEFAULTS.severity)) {
      assert.equal(properties[`tandem.severity.${kind}`]?.default, level, kind);
    }
  });
});
