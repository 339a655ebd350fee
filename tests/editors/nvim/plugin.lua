-- The plugin without a backend: formatting, setup's options, one client per root (reused), presence from a real
-- `tandem lsp` that finds no agent, :TandemRestart, and new settings reaching running clients. Any failed check
-- ends Neovim with exit code 1 and the reason in $TANDEM_TEST_OUT.

local env = vim.env
vim.opt.runtimepath:prepend(env.TANDEM_PLUGIN)
vim.opt.swapfile = false
vim.opt.shortmess:append("F")
local timeout = tonumber(env.TANDEM_TEST_WAIT_MS)
local checks = {}

local function eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(string.format("%s: expected %s, got %s", what, vim.inspect(expected), vim.inspect(actual)), 2)
  end
  table.insert(checks, what)
end

local function wait_for(what, condition)
  if not vim.wait(timeout, condition, 20) then
    error("timed out waiting for " .. what, 2)
  end
end

local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients -- 0.10 renamed it

local function clients()
  local ids = {}
  for _, client in ipairs(get_clients()) do
    if client.name == "tandem" then
      table.insert(ids, client.id)
    end
  end
  table.sort(ids)
  return ids
end

local function client_of(bufnr)
  for _, client in pairs(get_clients()) do
    if client.name == "tandem" and vim.lsp.buf_is_attached(bufnr, client.id) then
      return client.id
    end
  end
end

local function run()
  local format = require("tandem.format")
  local online = {
    connection = "online",
    online = 2,
    project = { id = "p", name = "Widgets" },
    findings = { conflict = 1, overlap = 2, nearby = 0 },
    teammates = {
      { user_id = "u1", name = "Bob", state = "online", branch = "feature", file = "app/main.py" },
      { user_id = "u2", name = "", state = "idle", branch = "", file = "" },
      { user_id = "u3", name = "Eve", state = "offline", branch = "main", file = "" },
    },
  }
  eq(format.summary(online), "2 online · 1 conflict · 2 overlaps", "summary made here")
  eq(format.summary(vim.tbl_extend("force", online, { summary = "2 online" })), "2 online", "server's summary wins")
  eq(format.summary(online, { names = 5 }), "2 online (Bob, u2) · 1 conflict · 2 overlaps", "names, not offline")
  eq(format.summary({ connection = "no_agent", findings = {} }), "agent not running", "a connection state")
  eq(format.teammate(online.teammates[1]), "Bob — feature — app/main.py", "teammate line")
  eq(format.teammate(online.teammates[2]), "u2 (idle)", "teammate without a name")
  local lines = format.status_lines(vim.tbl_extend("force", online, {
    connection = "offline",
    project = vim.NIL,
    message = "cannot reach the server",
    teammates = {},
    agent = { socket = "/run/a.sock", pid = vim.NIL },
  }))
  eq(lines, { "Tandem: offline — offline · 1 conflict · 2 overlaps", "  cannot reach the server" }, "status lines")

  local tandem = require("tandem")
  local ok, err = pcall(tandem.setup, { severity = { conflict = "loud" } })
  eq(ok, false, "a wrong severity is refused")
  eq(tostring(err):match("severity%.conflict must be") ~= nil, true, "and named: " .. tostring(err))

  local cmd = vim.fn.json_decode(env.TANDEM_TEST_CMD)
  eq(tandem.command({ cmd = { "x" }, interpreter = "/py" }), { "/py", "-m", "tandem", "lsp" }, "interpreter wins")
  tandem.setup({ cmd = cmd, agent_auto_start = false, severity = { nearby = "hint" } })
  eq(tandem.command(), cmd, "cmd replaced whole, not merged with the default list")
  eq(tandem.server_settings().tandem, {
    severity = { conflict = "warning", overlap = "information", nearby = "hint" },
    agentAutoStart = false,
    debounceMs = 50,
    notifyConflicts = false,
    statusProgress = false,
  }, "settings sent to the server")
  eq(tandem.statusline(), "", "statusline before the server speaks")

  -- Two files of one working copy share a client; a file elsewhere gets its own; a scratch buffer none.
  vim.cmd("edit " .. vim.fn.fnameescape(env.TANDEM_TEST_ROOT_A .. "/one.txt"))
  local one = vim.api.nvim_get_current_buf()
  vim.cmd("edit " .. vim.fn.fnameescape(env.TANDEM_TEST_ROOT_A .. "/sub/two.py"))
  local two = vim.api.nvim_get_current_buf()
  vim.cmd("edit " .. vim.fn.fnameescape(env.TANDEM_TEST_ROOT_B .. "/three.md"))
  local three = vim.api.nvim_get_current_buf()
  vim.cmd("enew")
  local scratch = vim.api.nvim_get_current_buf()
  vim.cmd("edit " .. vim.fn.fnameescape(env.TANDEM_TEST_OUTSIDE .. "/loose.txt"))
  local loose = vim.api.nvim_get_current_buf()
  wait_for("the clients to initialize", function()
    return #clients() >= 2 and client_of(one) ~= nil and client_of(two) ~= nil and client_of(three) ~= nil
  end)
  eq(#clients(), 2, "one client per root")
  eq(client_of(one), client_of(two), "reused within a root")
  eq(client_of(one) ~= client_of(three), true, "another root, another client")
  eq(client_of(scratch), nil, "no client for a scratch buffer")
  eq(client_of(loose), nil, "no client for a file outside any working copy")

  vim.cmd("buffer " .. one)
  wait_for("presence", function()
    return tandem.presence() ~= nil
  end)
  eq(tandem.presence().connection, "no_agent", "no agent, none started")
  eq(tandem.statusline(), "agent not running", "statusline says so")

  -- A code action's tandem.message asks for the text, then runs on the server (which knows no such finding).
  local prompts, answers = {}, {}
  vim.ui.input = function(opts, on_confirm)
    table.insert(prompts, opts.prompt)
    on_confirm("see you at 3")
  end
  vim.lsp.handlers["workspace/executeCommand"] = function(_, result)
    table.insert(answers, result)
  end
  local client = vim.lsp.get_client_by_id(client_of(one))
  client.commands["tandem.message"]({ command = "tandem.message", arguments = { "f1", "u2" } }, {
    client_id = client.id,
    bufnr = one,
  })
  wait_for("the server's answer to tandem.message", function()
    return #answers > 0
  end)
  eq(#prompts, 1, "asked for the text")
  eq(answers[1], { ok = false }, "the server ran it (and found no such finding)")

  -- :TandemStatus says what tandem/status answers; :TandemLog opens the LSP log.
  local notified = {}
  local notify = vim.notify
  vim.notify = function(message)
    table.insert(notified, message)
  end
  vim.cmd("TandemStatus")
  wait_for(":TandemStatus's answer", function()
    return #notified > 0
  end)
  vim.notify = notify
  eq(vim.split(notified[1], "\n")[1], "Tandem: no agent — agent not running", ":TandemStatus")
  vim.cmd("TandemLog")
  eq(vim.api.nvim_buf_get_name(0), vim.lsp.get_log_path(), ":TandemLog")
  eq(#clients(), 2, "the log is in no working copy")
  vim.cmd("buffer " .. one)

  -- New settings reach the running clients.
  tandem.setup({ severity = { conflict = "error" } })
  for _, id in ipairs(clients()) do
    eq(vim.lsp.get_client_by_id(id).config.settings.tandem.severity.conflict, "error", "settings of client " .. id)
  end

  -- :TandemRestart: every client stops and its buffers move to a new one.
  local before = clients()
  vim.cmd("TandemRestart")
  wait_for("new clients with the buffers", function()
    local now = clients()
    return #now == 2 and now[1] > before[2] and client_of(one) ~= nil and client_of(three) ~= nil
  end)
  eq(client_of(one), client_of(two), "still one client per root after a restart")
  wait_for("presence from the new client", function()
    return tandem.presence(one) ~= nil
  end)
  eq(tandem.statusline(), "agent not running", "statusline after the restart")
end

local ok, err = xpcall(run, debug.traceback)
local file = assert(io.open(env.TANDEM_TEST_OUT, "w"))
file:write(vim.fn.json_encode({ ok = ok, error = ok and vim.NIL or tostring(err), checks = checks }))
file:close()
vim.cmd(ok and "qall!" or "1cquit!")
