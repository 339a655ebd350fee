-- Headless Neovim as Alice: load the plugin from the repository, open a file, change a line in the buffer, say
-- "ready" once Tandem is online, then wait (vim.wait, the editor's own loop) for the teammate's diagnostic and
-- presence, and write what the editor shows to $TANDEM_TEST_OUT. Exit code 0 when it all arrived in time.

local env = vim.env
vim.opt.runtimepath:prepend(env.TANDEM_PLUGIN)
vim.opt.swapfile = false
vim.opt.shortmess:append("F")

local function say(word)
  io.stderr:write("\nTANDEM-TEST " .. word .. "\n") -- on a line of its own, whatever Neovim printed before
  io.stderr:flush()
end

local function finish(result, ok)
  local file = assert(io.open(env.TANDEM_TEST_OUT, "w"))
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd(ok and "qall!" or "1cquit!")
end

local tandem = require("tandem")
local opened
tandem.setup({
  cmd = vim.fn.json_decode(env.TANDEM_TEST_CMD),
  severity = { nearby = "off" },
  debounce_ms = 0,
  open_url = function(url)
    opened = url
  end,
})

vim.cmd("edit " .. vim.fn.fnameescape(env.TANDEM_TEST_FILE))
local bufnr = vim.api.nvim_get_current_buf()
local line = tonumber(env.TANDEM_TEST_LINE)
local timeout = tonumber(env.TANDEM_TEST_WAIT_MS)
local result = { version = tostring(vim.version().major .. "." .. vim.version().minor) }

local function tandem_diagnostics()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "tandem" then
      table.insert(found, {
        lnum = d.lnum,
        end_lnum = d.end_lnum,
        col = d.col,
        severity = d.severity,
        message = d.message,
        source = d.source,
      })
    end
  end
  return found
end

local function attached()
  local found = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr, name = "tandem" })
    or vim.lsp.buf_get_clients(bufnr)
  for _, client in pairs(found) do
    if client.name == "tandem" then
      return client
    end
  end
end

-- Online, attached, and the agent knows this working copy: a teammate's change can now reach us.
local online = vim.wait(timeout, function()
  local presence = tandem.presence(bufnr)
  return attached() ~= nil and presence ~= nil and presence.connection == "online" and type(presence.project) == "table"
end, 20)
result.presence_before = tandem.presence(bufnr)
if not online then
  result.error = "never online"
  finish(result, false)
  return
end
result.client_ids = { attached().id }

-- Alice types over the line (the buffer is not saved: the server tells the agent about the buffer).
vim.api.nvim_buf_set_lines(bufnr, line, line + 1, true, { env.TANDEM_TEST_TEXT })
say("ready")

local arrived = vim.wait(timeout, function()
  local presence = tandem.presence(bufnr)
  return #tandem_diagnostics() > 0 and presence ~= nil and presence.findings.conflict > 0 and presence.online > 0
end, 20)
result.diagnostics = tandem_diagnostics()
result.presence = tandem.presence(bufnr)
result.statusline = tandem.statusline()
result.statusline_names = tandem.statusline({ names = 2 })
if not arrived then
  result.error = "no diagnostic and presence in time"
  finish(result, false)
  return
end

-- :TandemStatus's data, through tandem/status.
local status
tandem.status(function(err, answer)
  status = err and { error = err } or answer
end)
vim.wait(timeout, function()
  return status ~= nil
end, 20)
result.status = status
result.status_lines = status and not status.error and require("tandem.format").status_lines(status) or nil
result.warn_severity = vim.diagnostic.severity.WARN

-- :TandemDashboard: the server answers with the project's page, which the plugin opens.
vim.cmd("TandemDashboard")
vim.wait(timeout, function()
  return opened ~= nil
end, 20)
result.opened = opened
finish(result, status ~= nil and not status.error and opened ~= nil)
