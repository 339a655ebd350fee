-- Tandem's language clients: one per root (reused), started for file buffers, their latest tandem/presence,
-- requests, and restarts. Works on Neovim 0.7 (start_client) and later (vim.lsp.start).

local config = require("tandem.config")

local M = {}

local state = {
  config = config.defaults, -- set by setup()
  clients = {}, -- root -> client id, for Neovim 0.7 (vim.lsp.start keeps its own table from 0.8 on)
  presence = {}, -- client id -> the latest tandem/presence
  latest = nil, -- the client id that sent presence last
  restarting = {}, -- client id -> buffers to attach to its successor once it has exited
}

local uv = vim.uv or vim.loop -- 0.10 renamed it
-- Client methods take `self` from 0.11 on (`client:request(...)`); before, they are closures (`client.request(...)`).
local METHOD_CALLS = vim.fn.has("nvim-0.11") == 1

function M.call(client, method, ...)
  if METHOD_CALLS then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function warn(message)
  vim.notify("Tandem: " .. message, vim.log.levels.WARN)
end

function M.configure(options)
  state.config = options
end

--- Tandem's clients, all or those attached to a buffer.
function M.tandem_clients(bufnr)
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
      return nil -- outside any working copy: nothing a teammate could change with you
    end
    dir = parent
  end
end

local attach -- defined below: on_exit reattaches a restarted client's buffers

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
      M.call(client, "request", "workspace/executeCommand", params, nil, ctx.bufnr)
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
  local settings = config.server_settings(state.config)
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  -- :TandemDashboard opens the URL tandem.openDashboard answers with; no window/showDocument round trip.
  capabilities.window = capabilities.window or {}
  capabilities.window.showDocument = { support = false }
  return {
    name = "tandem",
    cmd = config.command(state.config),
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
      if client == nil or M.call(client, "is_stopped") then
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

--- The latest tandem/presence of the buffer's client (else of whichever client spoke last), or nil.
function M.presence(bufnr)
  for _, client in ipairs(M.tandem_clients(bufnr or vim.api.nvim_get_current_buf())) do
    if state.presence[client.id] ~= nil then
      return state.presence[client.id]
    end
  end
  return state.latest and state.presence[state.latest] or nil
end

local function first_client()
  return M.tandem_clients(vim.api.nvim_get_current_buf())[1] or M.tandem_clients()[1]
end

--- Sends a request to the current buffer's Tandem client; callback(err, result).
function M.request(method, params, callback)
  local client = first_client()
  if client == nil then
    warn("the language server is not running in this buffer (see :LspInfo, :TandemRestart)")
    return false
  end
  M.call(client, "request", method, params, function(err, result)
    callback(err, result)
  end, vim.api.nvim_get_current_buf())
  return true
end

--- Stops every Tandem client; each buffer is attached to a fresh one (with the current settings) once it exits.
function M.restart()
  local clients = M.tandem_clients()
  for _, client in ipairs(clients) do
    state.restarting[client.id] = client.attached_buffers and vim.tbl_keys(client.attached_buffers)
      or vim.lsp.get_buffers_by_client_id(client.id)
    M.call(client, "stop")
  end
  if #clients == 0 then
    M.attach_all()
  end
end

function M.send_focus(args)
  local client = M.tandem_clients(args.buf)[1]
  if client ~= nil then
    local line = vim.api.nvim_win_get_cursor(0)[1] - 1
    M.call(client, "notify", "tandem/focus", { uri = vim.uri_from_bufnr(args.buf), line = line })
  end
end

--- Attaches every loaded buffer (those that are files) to its root's client.
function M.attach_all()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      attach(bufnr)
    end
  end
end

--- New settings for the running clients (and for the workspace/configuration answers).
function M.send_settings()
  local settings = config.server_settings(state.config)
  for _, client in ipairs(M.tandem_clients()) do
    client.config.settings = settings
    M.call(client, "notify", "workspace/didChangeConfiguration", { settings = settings })
  end
end

M.attach = attach

return M
