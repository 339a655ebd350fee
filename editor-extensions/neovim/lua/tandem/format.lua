-- What people read: the statusline words and the :TandemStatus lines, from tandem/presence and tandem/status.
-- Pure functions (no editor state), shared by the plugin and its tests.

local M = {}

local KINDS = { "conflict", "overlap", "nearby" }

local CONNECTION_WORDS = {
  signed_out = "signed out",
  connecting = "connecting…",
  offline = "offline",
  unauthorized = "sign in again",
  incompatible = "update Tandem",
  paused = "paused",
  no_agent = "agent not running",
}

local function plural(count, word)
  if word == "nearby" or count == 1 then
    return count .. " " .. word
  end
  return count .. " " .. word .. "s"
end

local function nonempty(value)
  return type(value) == "string" and value ~= ""
end

--- "3 online · 1 overlap": the server's summary, or the same words made here for a server that sends none.
--- opts.names (number): name up to that many teammates online, "1 online (bob) · 1 conflict".
function M.summary(presence, opts)
  opts = opts or {}
  if type(presence) ~= "table" then
    return ""
  end
  local text = presence.summary
  if not nonempty(text) then
    local parts = {}
    if presence.connection == "online" then
      table.insert(parts, (presence.online or 0) .. " online")
    else
      table.insert(parts, CONNECTION_WORDS[presence.connection] or tostring(presence.connection))
    end
    local findings = presence.findings or {}
    for _, kind in ipairs(KINDS) do
      local n = findings[kind] or 0
      if n > 0 then
        table.insert(parts, plural(n, kind))
      end
    end
    text = table.concat(parts, " · ")
  end
  local limit = opts.names or 0
  if limit > 0 and presence.connection == "online" then
    local names = {}
    for _, teammate in ipairs(presence.teammates or {}) do
      if teammate.state ~= "offline" and #names < limit then
        table.insert(names, nonempty(teammate.name) and teammate.name or teammate.user_id)
      end
    end
    if #names > 0 then
      text = text:gsub("^(%d+ online)", "%1 (" .. table.concat(names, ", "):gsub("%%", "%%%%") .. ")", 1)
    end
  end
  return text
end

--- "bob — feature — app/main.py (idle)"
function M.teammate(teammate)
  local parts = { nonempty(teammate.name) and teammate.name or teammate.user_id }
  for _, part in ipairs({ teammate.branch, teammate.file }) do
    if nonempty(part) then
      table.insert(parts, part)
    end
  end
  local state = (nonempty(teammate.state) and teammate.state ~= "online") and (" (" .. teammate.state .. ")") or ""
  return table.concat(parts, " — ") .. state
end

--- The lines :TandemStatus shows for a tandem/status answer.
function M.status_lines(status)
  local project = type(status.project) == "table" and (", project " .. (status.project.name or status.project.id))
    or ""
  local lines = { "Tandem: " .. tostring(status.connection):gsub("_", " ") .. project .. " — " .. M.summary(status) }
  if nonempty(status.message) then
    table.insert(lines, "  " .. status.message)
  end
  for _, teammate in ipairs(status.teammates or {}) do
    table.insert(lines, "  " .. M.teammate(teammate))
  end
  if #(status.teammates or {}) == 0 and status.connection == "online" then
    table.insert(lines, "  no teammate online")
  end
  for _, workcopy in ipairs(status.workcopies or {}) do
    local where = nonempty(workcopy.project_name) and (" (" .. workcopy.project_name .. ")") or ""
    local branch = nonempty(workcopy.branch) and (" on " .. workcopy.branch) or ""
    local note = nonempty(workcopy.message) and (" — " .. workcopy.message) or ""
    table.insert(lines, "  " .. tostring(workcopy.root) .. where .. branch .. ": " .. tostring(workcopy.status) .. note)
  end
  local agent = status.agent or {}
  if agent.pid ~= nil and agent.pid ~= vim.NIL then
    table.insert(lines, "  agent pid " .. agent.pid .. " on " .. tostring(agent.socket))
  end
  return lines
end

return M
