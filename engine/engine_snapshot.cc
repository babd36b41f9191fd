// Engine: snapshots — writing one at a consistent LSN while writers go on (contact-level
// copy-on-write, engine/snapshot_capture.h), loading one at Open, and the erasure marks
// (docs/snapshot-format.md).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <mutex>

#include <fcntl.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/engine_impl.h"
#include "engine/segment_registry.h"
#include "engine/snapshot_capture.h"
#include "engine/snapshot_encoder.h"
#include "engine/snapshot_loader.h"
#include "log/assert.h"
#include "log/logger.h"

namespace tally::engine {

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
  // state's LSN: everything up to it is applied, nothing after it exists yet. The cut takes
  // the small global state and a new epoch; the contacts are encoded afterwards, each as it
  // was at the cut (engine/snapshot_capture.h).
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
  std::vector<ErasureMark> erasures;
  {
    std::lock_guard lock(s.erasures_mu);
    erasures = s.erasures;
  }
  SnapshotCapture capture(lsn, s.clock->NowUs(), s.AllWorkspaces(), std::move(erasures));
  s.running_snapshot.Start(&capture);
  s.write_gate.Open();
  const auto reopened = SteadyClock::now();

  const std::uint64_t estimate = EstimateSnapshotBytes(capture);
  const SnapshotBytesWritten progress = [&](std::uint64_t bytes) {
    if (options.progress) options.progress(std::min(bytes, estimate), estimate);
  };
  Result<SnapshotHeader> written = EncodeSnapshot(fd, capture, progress);
  // Every contact is stamped by now, so writers would not preserve anything more; the gate
  // makes sure none is still inside a hook when the capture goes away.
  s.write_gate.Close();
  s.running_snapshot.Stop();
  s.write_gate.Open();
  ::close(fd);
  if (!written.ok()) return written;
  if (options.progress) options.progress(written->file_bytes, written->file_bytes);
  // The pause is what writers waited: the gate closing and the cut.
  const auto ms = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  tally::Log(LogLevel::kInfo, "engine", "snapshot written",
             {{"file", file.string()},
              {"lsn", written->lsn},
              {"events", written->events},
              {"bytes", written->file_bytes},
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
