-- Tandem for Neovim (0.7 and later): starts `tandem lsp` for every file buffer, one client per root (reused),
-- keeps the latest tandem/presence, and offers a statusline component and the :Tandem* commands.

local clients = require("tandem.clients")
local config = require("tandem.config")
local format = require("tandem.format")

local M = {}

local options = nil -- the merged options, once setup() ran

local function warn(message)
  vim.notify("Tandem: " .. message, vim.log.levels.WARN)
end

--- The server command for the current options.
function M.command(given)
  return config.command(given or options or config.defaults)
end

--- What the server gets at initialize and with workspace/didChangeConfiguration.
function M.server_settings(given)
  return config.server_settings(given or options or config.defaults)
end

M.attach = clients.attach
M.presence = clients.presence
M.restart = clients.restart

--- "3 online · 1 overlap", or "" before the server has said anything. opts.names: name that many teammates.
function M.statusline(opts)
  local presence = M.presence()
  if presence == nil then
    return ""
  end
  return format.summary(presence, opts)
end

-- Commands --------------------------------------------------------------------------------------------

--- Asks the server for tandem/status; callback(err, status).
function M.status(callback)
  return clients.request("tandem/status", vim.empty_dict(), callback)
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
  if options.open_url then
    options.open_url(url)
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
  clients.request("workspace/executeCommand", { command = "tandem.openDashboard", arguments = {} }, function(err, result)
    if err ~= nil then
      warn("could not open the dashboard: " .. (err.message or vim.inspect(err)))
    elseif type(result) == "table" and type(result.url) == "string" then
      open_url(result.url)
    end
  end)
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

-- Setup ---------------------------------------------------------------------------------------------------

function M.setup(opts)
  local given = config.merge(options, opts or {})
  config.validate(given)
  local relaunch = options ~= nil and not vim.deep_equal(config.command(options), config.command(given))
  options = given
  clients.configure(given)

  local command = vim.api.nvim_create_user_command
  command("TandemStatus", M.show_status, { desc = "Tandem: who is where, findings, working copies" })
  command("TandemRestart", M.restart, { desc = "Tandem: restart the language server" })
  command("TandemDashboard", M.dashboard, { desc = "Tandem: open the project's dashboard" })
  command("TandemLog", function()
    vim.cmd("edit " .. vim.fn.fnameescape(vim.lsp.get_log_path()))
  end, { desc = "Tandem: the LSP log (the server's stderr is there)" })
  command("TandemLogin", function(args)
    M.login(args.args)
  end, { nargs = "?", desc = "Tandem: sign in (tandem login [--server URL])" })

  local group = vim.api.nvim_create_augroup("tandem", { clear = true })
  if given.autostart then
    vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
      group = group,
      callback = function(args)
        clients.attach(args.buf)
      end,
    })
  end
  if given.focus then
    vim.api.nvim_create_autocmd({ "CursorHold", "CursorHoldI" }, { group = group, callback = clients.send_focus })
  end

  clients.send_settings()
  if relaunch then
    clients.restart()
  elseif given.autostart then
    clients.attach_all()
  end
end

return M
