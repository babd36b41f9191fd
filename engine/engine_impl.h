// Engine::Impl: the engine's private state, shared by engine.cc (open, replay, writes) and
// engine_queries.cc (reads).
//
// Thread safety: `workspaces_mu` guards the workspace map (shared to look up, exclusive to
// add); workspaces are never removed, so a Workspace& stays valid once found. Lock order:
// workspaces_mu is released before any stripe is taken; stripes in ascending index order;
// the interner's mutex is a leaf.
#pragma once

#include <atomic>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"
#include "log/log.h"

namespace tally::engine {

struct Engine::Impl {
  log::Log* log = nullptr;
  const Clock* clock = nullptr;
  SystemClock system_clock;
  StringInterner interner;
  mutable std::shared_mutex workspaces_mu;
  std::unordered_map<std::string, std::unique_ptr<Workspace>, TransparentStringHash,
                     std::equal_to<>>
      workspaces;
  std::atomic<log::Lsn> applied_lsn{0};

  // The workspace, or null when nothing was ever written to it.
  Workspace* FindWorkspace(std::string_view workspace_id) const;
  Workspace& GetOrCreateWorkspace(std::string_view workspace_id);

  // Applies one verified record payload (replay and live writes). Fails on a record this
  // engine cannot apply, which means the log is corrupt.
  Status ApplyRecord(std::span<const std::byte> payload, log::Lsn lsn);
  void NoteApplied(log::Lsn lsn);
};

}  // namespace tally::engine
