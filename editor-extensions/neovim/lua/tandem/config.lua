-- The plugin's options: defaults, checks, and what they become (the server command, the server's settings).

local M = {}

local SEVERITIES = { error = true, warning = true, information = true, hint = true, off = true }

M.defaults = {
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

function M.validate(config)
  for key, expected in pairs(TYPES) do
    local value = config[key]
    local optional = M.defaults[key] == nil
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
function M.merge(previous, opts)
  local config = vim.tbl_deep_extend("force", M.defaults, previous or {}, opts)
  for _, list in ipairs({ "cmd", "root_markers" }) do
    config[list] = opts[list] or (previous or M.defaults)[list]
  end
  return config
end

--- The server command: `<interpreter> -m tandem lsp` when an interpreter is set, else cmd.
function M.command(config)
  if config.interpreter and config.interpreter ~= "" then
    return { config.interpreter, "-m", "tandem", "lsp" }
  end
  return config.cmd
end

--- What the server gets at initialize and with workspace/didChangeConfiguration.
function M.server_settings(config)
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

return M
