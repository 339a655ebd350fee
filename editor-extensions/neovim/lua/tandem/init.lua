-- Tandem for Neovim (0.7 and later): starts `tandem lsp` for every file buffer, one client per root (reused),
-- keeps the latest tandem/presence, and offers a statusline component and the :Tandem* commands.

local format = require("tandem.format")

local M = {}

local SEVERITIES = { error = true, warning = true, information = true, hint = true, off = true }

local defaults = {
  cmd = { "tandem", "lsp" },
  -- A Python that has Tandem installed: starts `<interpreter> -m tandem lsp` (wins over cmd).
  interpreter = nil,
  severity = { conflict = "warning", overlap = "information", nearby = "off" },
  agent_auto_start = true,
  debounce_ms = 50,
  -- The server's fallbacks for editors without a Tandem plugin (docs/lsp.md), off as the plugin shows presence:
  -- a message when a conflict appears in an open file, and presence as LSP progress (for fidget.nvim & co).
  -- Turn them on if the statusline component is not in your statusline.
  notify_conflicts = false,
  status_progress = false,
  -- Tell the server which line the cursor rests on (CursorHold), so teammates see where you are.
  focus = true,
  root_markers = { ".tandem.toml", ".git" },
  autostart = true,
  -- How :TandemDashboard opens a page; default: vim.ui.open (0.10+), else xdg-open / open.
  open_url = nil,
}

local state = {
  config = nil,
  clients = {}, -- root -> client id, for Neovim 0.7 (vim.lsp.start keeps its own table from 0.8 on)
  presence = {}, -- client id -> the latest tandem/presence
  latest = nil, -- the client id that sent presence last
  restarting = {}, -- client id -> buffers to attach to its successor once it has exited
}

local uv = vim.uv or vim.loop -- 0.10 renamed it
-- Client methods take `self` from 0.11 on (`client:request(...)`); before, they are closures (`client.request(...)`).
local METHOD_CALLS = vim.fn.has("nvim-0.11") == 1

local function call(client, method, ...)
  if METHOD_CALLS then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function warn(message)
  vim.notify("Tandem: " .. message, vim.log.levels.WARN)
end

-- Settings ------------------------------------------------------------------------------------------------

local TYPES = {
  cmd = "table",
  interpreter = "string",
  severity = "table",
  agent_auto_start = "boolean",
  debounce_ms = "number",
  notify_conflicts = "boolean",
  status_progress = "boolean",
  focus = "boolean",
  root_markers = "table",
  autostart = "boolean",
  open_url = "function",
}

local function validate(config)
  for key, expected in pairs(TYPES) do
    local value = config[key]
    local optional = defaults[key] == nil
    if not (type(value) == expected or (optional and value == nil)) then
      error(string.format("tandem: %s must be a %s (got %s)", key, expected, vim.inspect(value)), 3)
    end
  end
  for kind, level in pairs(config.severity) do
    if not SEVERITIES[level] then
      error(string.format("tandem: severity.%s must be error, warning, information, hint or off (got %s)", kind, level))
    end
  end
end

--- The options given to setup(), over the previous ones, over the defaults. Lists are replaced, not merged.
local function merge(opts)
  local config = vim.tbl_deep_extend("force", defaults, state.config or {}, opts)
  for _, list in ipairs({ "cmd", "root_markers" }) do
    config[list] = opts[list] or (state.config or defaults)[list]
  end
  return config
end

function M.command(config)
  config = config or state.config or defaults
  if config.interpreter and config.interpreter ~= "" then
    return { config.interpreter, "-m", "tandem", "lsp" }
  end
  return config.cmd
end

--- What the server gets at initialize and with workspace/didChangeConfiguration.
function M.server_settings(config)
  config = config or state.config or defaults
  return {
    tandem = {
      severity = config.severity,
      agentAutoStart = config.agent_auto_start,
      debounceMs = config.debounce_ms,
      notifyConflicts = config.notify_conflicts,
      statusProgress = config.status_progress,
    },
  }
end

-- Clients -------------------------------------------------------------------------------------------------

--- Tandem's clients, all or those attached to a buffer.
local function tandem_clients(bufnr)
  local all = vim.lsp.get_clients and vim.lsp.get_clients({ name = "tandem" }) or vim.lsp.get_active_clients()
  local found = {}
  for _, client in ipairs(all) do
    if client.name == "tandem" and (bufnr == nil or vim.lsp.buf_is_attached(bufnr, client.id)) then
      table.insert(found, client)
    end
  end
  return found
end

local function root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or vim.bo[bufnr].buftype ~= "" or name:match("^%a[%w+.-]*://") then
    return nil -- not a file on disk (help, terminal, fugitive://, ...)
  end
  local dir = vim.fn.fnamemodify(name, ":p:h")
  while true do
    for _, marker in ipairs(state.config.root_markers) do
      if uv.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return uv.cwd() -- outside any working copy: one client for all such files
    end
    dir = parent
  end
end

local attach

local function on_presence(_, presence, ctx)
  state.presence[ctx.client_id] = presence
  state.latest = ctx.client_id
  vim.cmd("redrawstatus!")
  vim.api.nvim_exec_autocmds("User", { pattern = "TandemPresence", modeline = false })
end

local function on_exit(_, _, client_id)
  state.presence[client_id] = nil
  for root, id in pairs(state.clients) do
    if id == client_id then
      state.clients[root] = nil
    end
  end
  local buffers = state.restarting[client_id]
  state.restarting[client_id] = nil
  vim.schedule(function()
    for _, bufnr in ipairs(buffers or {}) do
      if vim.api.nvim_buf_is_valid(bufnr) then
        attach(bufnr)
      end
    end
    vim.cmd("redrawstatus!")
  end)
end

--- A code action's `tandem.message` asks for the text first (empty: the server's short default note).
local function message_command(command, ctx)
  local args = command.arguments or {}
  local function send(text)
    local client = vim.lsp.get_client_by_id(ctx.client_id)
    if client ~= nil then
      local params = { command = command.command, arguments = { args[1] or "", args[2] or "", text } }
      call(client, "request", "workspace/executeCommand", params, nil, ctx.bufnr)
    end
  end
  if #args >= 3 then
    send(args[3])
    return
  end
  vim.ui.input({ prompt = "Message to your teammate (empty: a short note): " }, function(text)
    if text ~= nil then
      send(text)
    end
  end)
end

local function client_config(root)
  local settings = M.server_settings()
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  -- :TandemDashboard opens the URL tandem.openDashboard answers with; no window/showDocument round trip.
  capabilities.window = capabilities.window or {}
  capabilities.window.showDocument = { support = false }
  return {
    name = "tandem",
    cmd = M.command(),
    root_dir = root,
    init_options = settings,
    settings = settings,
    capabilities = capabilities,
    handlers = { ["tandem/presence"] = on_presence },
    commands = { ["tandem.message"] = message_command },
    on_exit = on_exit,
  }
end

--- Starts (or reuses) the client for the buffer's root and attaches the buffer; returns the client id.
attach = function(bufnr)
  local root = root_dir(bufnr)
  if root == nil then
    return nil
  end
  local id
  vim.api.nvim_buf_call(bufnr, function()
    if vim.lsp.start then
      id = vim.lsp.start(client_config(root)) -- reuses the client with the same name and root_dir
    else
      id = state.clients[root]
      local client = id and vim.lsp.get_client_by_id(id)
      if client == nil or call(client, "is_stopped") then
        id = vim.lsp.start_client(client_config(root))
        state.clients[root] = id
      end
    end
  end)
  if id ~= nil then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end
M.attach = attach

-- Presence and the statusline -----------------------------------------------------------------------------

--- The latest tandem/presence of the buffer's client (else of whichever client spoke last), or nil.
function M.presence(bufnr)
  for _, client in ipairs(tandem_clients(bufnr or vim.api.nvim_get_current_buf())) do
    if state.presence[client.id] ~= nil then
      return state.presence[client.id]
    end
  end
  return state.latest and state.presence[state.latest] or nil
end

--- "3 online · 1 overlap", or "" before the server has said anything. opts.names: name that many teammates.
function M.statusline(opts)
  local presence = M.presence()
  if presence == nil then
    return ""
  end
  return format.summary(presence, opts)
end

-- Commands ------------------------------------------------------------------------------------------------

local function first_client()
  return tandem_clients(vim.api.nvim_get_current_buf())[1] or tandem_clients()[1]
end

--- Sends a request to the current buffer's Tandem client; callback(err, result).
local function request(method, params, callback)
  local client = first_client()
  if client == nil then
    warn("the language server is not running in this buffer (see :LspInfo, :TandemRestart)")
    return false
  end
  call(client, "request", method, params, function(err, result)
    callback(err, result)
  end, vim.api.nvim_get_current_buf())
  return true
end

--- Asks the server for tandem/status; callback(err, status).
function M.status(callback)
  return request("tandem/status", vim.empty_dict(), callback)
end

function M.show_status()
  M.status(function(err, status)
    if err ~= nil then
      warn("tandem/status failed: " .. (err.message or vim.inspect(err)))
      return
    end
    vim.notify(table.concat(format.status_lines(status), "\n"), vim.log.levels.INFO)
  end)
end

local function open_url(url)
  if state.config.open_url then
    state.config.open_url(url)
  elseif vim.ui.open then
    vim.ui.open(url)
  else
    local opener = vim.fn.has("mac") == 1 and "open" or "xdg-open"
    if vim.fn.executable(opener) == 1 then
      vim.fn.jobstart({ opener, url }, { detach = true })
    end
  end
  vim.notify("Tandem: " .. url, vim.log.levels.INFO)
end

function M.dashboard()
  request("workspace/executeCommand", { command = "tandem.openDashboard", arguments = {} }, function(err, result)
    if err ~= nil then
      warn("could not open the dashboard: " .. (err.message or vim.inspect(err)))
    elseif type(result) == "table" and type(result.url) == "string" then
      open_url(result.url)
    end
  end)
end

--- Stops every Tandem client; each buffer is attached to a fresh one (with the current settings) once it exits.
function M.restart()
  local clients = tandem_clients()
  for _, client in ipairs(clients) do
    state.restarting[client.id] = client.attached_buffers and vim.tbl_keys(client.attached_buffers)
      or vim.lsp.get_buffers_by_client_id(client.id)
    call(client, "stop")
  end
  if #clients == 0 then
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        attach(bufnr)
      end
    end
  end
end

--- `tandem login` in a terminal (the CLI keeps the credentials; a running agent picks them up).
function M.login(server)
  local cmd = M.command()
  local cli = cmd[#cmd] == "lsp" and vim.list_slice(cmd, 1, #cmd - 1) or { "tandem" }
  table.insert(cli, "login")
  if server ~= nil and server ~= "" then
    vim.list_extend(cli, { "--server", server })
  end
  vim.cmd("new")
  if vim.fn.has("nvim-0.11") == 1 then
    vim.fn.jobstart(cli, { term = true })
  else
    vim.fn.termopen(cli)
  end
  vim.cmd("startinsert")
end

local function send_focus(args)
  local client = tandem_clients(args.buf)[1]
  if client ~= nil then
    local line = vim.api.nvim_win_get_cursor(0)[1] - 1
    call(client, "notify", "tandem/focus", { uri = vim.uri_from_bufnr(args.buf), line = line })
  end
end

-- Setup ---------------------------------------------------------------------------------------------------

function M.setup(opts)
  local config = merge(opts or {})
  validate(config)
  local relaunch = state.config ~= nil and not vim.deep_equal(M.command(state.config), M.command(config))
  state.config = config

  local command = vim.api.nvim_create_user_command
  command("TandemStatus", M.show_status, { desc = "Tandem: who is where, findings, working copies" })
  command("TandemRestart", M.restart, { desc = "Tandem: restart the language server" })
  command("TandemDashboard", M.dashboard, { desc = "Tandem: open the project's dashboard" })
  command("TandemLogin", function(args)
    M.login(args.args)
  end, { nargs = "?", desc = "Tandem: sign in (tandem login [--server URL])" })

  local group = vim.api.nvim_create_augroup("tandem", { clear = true })
  if config.autostart then
    vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
      group = group,
      callback = function(args)
        attach(args.buf)
      end,
    })
  end
  if config.focus then
    vim.api.nvim_create_autocmd({ "CursorHold", "CursorHoldI" }, { group = group, callback = send_focus })
  end

  for _, client in ipairs(tandem_clients()) do
    client.config.settings = M.server_settings()
    call(client, "notify", "workspace/didChangeConfiguration", { settings = M.server_settings() })
  end
  if relaunch then
    M.restart()
  elseif config.autostart then
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        attach(bufnr)
      end
    end
  end
end

return M
