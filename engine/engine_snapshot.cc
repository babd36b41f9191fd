// Engine: snapshots — writing one at a consistent LSN (in a forked child or in this thread),
// loading one at Open, and the erasure marks (docs/snapshot-format.md).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <mutex>

#include <fcntl.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/engine_impl.h"
#include "engine/segment_registry.h"
#include "engine/snapshot_encoder.h"
#include "engine/snapshot_fork.h"
#include "engine/snapshot_loader.h"
#include "log/assert.h"
#include "log/logger.h"

namespace tally::engine {

// Taking the registries' locks here, in the parent, means the encoder (and a forked child)
// takes none.
SnapshotSource Engine::Impl::GatherSnapshotSource(log::Lsn lsn) const {
  SnapshotSource source;
  source.lsn = lsn;
  source.created_at = clock->NowUs();
  for (const Workspace* ws : AllWorkspaces()) {
    SnapshotWorkspaceSource w;
    w.workspace = ws;
    for (const auto& segment : *ws->segments->Live()) w.segments.push_back(segment);
    for (const auto& segment : ws->segments->All()) {
      if (segment->deleted) w.segments.push_back(segment);
    }
    source.workspaces.push_back(std::move(w));
  }
  std::sort(source.workspaces.begin(), source.workspaces.end(),
            [](const SnapshotWorkspaceSource& a, const SnapshotWorkspaceSource& b) {
              return a.workspace->id < b.workspace->id;
            });
  std::lock_guard lock(erasures_mu);
  source.erasures = erasures;
  return source;
}

void Engine::Impl::NoteErasure(log::Lsn lsn, TimeUs recorded_at) {
  std::lock_guard lock(erasures_mu);
  // Erasures of different workspaces may apply out of LSN order; keep the list sorted.
  const auto at =
      std::upper_bound(erasures.begin(), erasures.end(), lsn,
                       [](log::Lsn value, const ErasureMark& mark) { return value < mark.lsn; });
  erasures.insert(at, ErasureMark{lsn, recorded_at});
}

Result<log::Lsn> Engine::Impl::LoadSnapshotFile(const EngineOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  tally::Log(LogLevel::kInfo, "engine", "snapshot load", {{"file", options.snapshot.string()}});
  Result<LoadedSnapshot> loaded = LoadSnapshot(options.snapshot, interner, options.load_progress);
  if (!loaded.ok()) return loaded.status().WithContext("snapshot " + options.snapshot.string());
  const SnapshotHeader& header = loaded->header;
  // The log must continue the snapshot: hold every record after its LSN, and not end before it.
  if (log->last_lsn() < header.lsn) {
    return Status::FailedPrecondition("snapshot " + options.snapshot.string() + " is at LSN " +
                                      std::to_string(header.lsn) + " but the log ends at LSN " +
                                      std::to_string(log->last_lsn()));
  }
  if (log->first_lsn() > header.lsn + 1) {
    return Status::FailedPrecondition("snapshot " + options.snapshot.string() + " is at LSN " +
                                      std::to_string(header.lsn) + " but the log starts at LSN " +
                                      std::to_string(log->first_lsn()) +
                                      ": the records between are missing");
  }
  for (std::unique_ptr<Workspace>& ws : loaded->workspaces) {
    const std::string id = ws->id;
    workspaces.emplace(id, std::move(ws));
  }
  erasures = std::move(loaded->erasures);
  applied_lsn.store(header.lsn);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  tally::Log(LogLevel::kInfo, "engine", "snapshot loaded",
             {{"file", options.snapshot.string()},
              {"lsn", header.lsn},
              {"events", header.events},
              {"bytes", header.file_bytes},
              {"seconds", seconds}});
  return header.lsn;
}

Result<SnapshotHeader> Engine::WriteSnapshot(const std::filesystem::path& file,
                                             const SnapshotWriteOptions& options) {
  Impl& s = *impl_;
  std::lock_guard snapshot_lock(s.snapshot_mu);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, "creating snapshot " + file.string());

  // With the gate closed no record is between append and apply, so the log's last LSN is the
  // state's LSN: everything up to it is applied, nothing after it exists yet.
  using SteadyClock = std::chrono::steady_clock;
  const auto started = SteadyClock::now();
  s.write_gate.Close();
  const auto closed = SteadyClock::now();
  const log::Lsn lsn = s.log->last_lsn();
  if (s.applied_lsn.load() != lsn) {
    s.write_gate.Open();
    ::close(fd);
    return Status::Internal("the log is at LSN " + std::to_string(lsn) + " but the state at " +
                            std::to_string(s.applied_lsn.load()));
  }
  const SnapshotSource source = s.GatherSnapshotSource(lsn);
  const std::uint64_t estimate = EstimateSnapshotBytes(source);
  const SnapshotBytesWritten progress = [&](std::uint64_t bytes) {
    if (options.progress) options.progress(std::min(bytes, estimate), estimate);
  };
  const auto encode = [&](const SnapshotBytesWritten& report) {
    return EncodeSnapshot(fd, source, report);
  };
  SteadyClock::time_point reopened;
  const auto reopen = [&] {
    s.write_gate.Open();
    reopened = SteadyClock::now();
  };
  // In this thread the gate stays closed until the file is written; a child needs it closed
  // only until it exists.
  const auto write_here = [&] {
    Result<SnapshotHeader> header = encode(progress);
    reopen();
    return header;
  };
  Result<SnapshotHeader> written =
      options.fork ? RunSnapshotChild(encode, reopen, progress) : write_here();
  ::close(fd);
  if (!written.ok()) return written;
  if (options.progress) options.progress(written->file_bytes, written->file_bytes);
  // The pause is what writers waited: the gate closing, the gather and the fork.
  const auto ms = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  tally::Log(LogLevel::kInfo, "engine", "snapshot written",
             {{"file", file.string()},
              {"lsn", written->lsn},
              {"events", written->events},
              {"bytes", written->file_bytes},
              {"fork", options.fork},
              {"close_ms", ms(closed - started)},
              {"pause_ms", ms(reopened - started)},
              {"total_ms", ms(SteadyClock::now() - started)}});
  return written;
}

std::vector<ErasureMark> Engine::Erasures() const {
  std::lock_guard lock(impl_->erasures_mu);
  return impl_->erasures;
}

void Engine::ForgetErasuresThrough(log::Lsn lsn) {
  std::lock_guard lock(impl_->erasures_mu);
  std::erase_if(impl_->erasures, [lsn](const ErasureMark& mark) { return mark.lsn <= lsn; });
}

}  // namespace tally::engine
