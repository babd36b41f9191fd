#include "engine/snapshot_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

#include <unistd.h>

#include "log/assert.h"
#include "log/file_system.h"
#include "log/logger.h"

namespace tally::engine {
namespace {

constexpr std::string_view kFinalPrefix = "snapshot-";
constexpr std::string_view kFinalSuffix = ".tsnap";
constexpr std::size_t kLsnDigits = 20;
constexpr std::string_view kTempPrefix = "incomplete-";
constexpr std::string_view kTempSuffix = ".tsnap-tmp";

Status SyncFile(log::FileSystem* fs, const std::filesystem::path& path) {
  TALLY_ASSIGN_OR_RETURN(log::FileHandle handle, fs->Open(path, /*create=*/false));
  Status synced = fs->SyncFile(handle);
  Status closed = fs->Close(handle);
  return synced.ok() ? closed : synced;
}

void LogSkipped(const SnapshotFile& file, std::string_view why) {
  Log(LogLevel::kError, "snapshot", "snapshot not usable, falling back to the previous one",
      {{"file", file.path.string()}, {"lsn", file.lsn}, {"reason", why}});
}

}  // namespace

std::string SnapshotFileName(log::Lsn lsn) {
  char digits[kLsnDigits + 1];
  std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(lsn));
  return std::string(kFinalPrefix) + digits + std::string(kFinalSuffix);
}

std::optional<log::Lsn> ParseSnapshotFileName(std::string_view name) {
  if (name.size() != kFinalPrefix.size() + kLsnDigits + kFinalSuffix.size() ||
      !name.starts_with(kFinalPrefix) || !name.ends_with(kFinalSuffix)) {
    return std::nullopt;
  }
  std::string_view digits = name.substr(kFinalPrefix.size(), kLsnDigits);
  log::Lsn lsn = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), lsn);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return lsn;
}

bool IsSnapshotTempFileName(std::string_view name) {
  return name.starts_with(kTempPrefix) && name.ends_with(kTempSuffix);
}

SnapshotStore::SnapshotStore(std::filesystem::path dir, std::size_t keep, log::FileSystem* fs)
    : dir_(std::move(dir)), keep_(keep), fs_(fs) {}

void SnapshotStore::Discard(const std::filesystem::path& temp) {
  (void)fs_->Remove(temp);
}

Result<std::unique_ptr<SnapshotStore>> SnapshotStore::Open(std::filesystem::path dir,
                                                           std::size_t keep, log::FileSystem* fs) {
  if (keep < kSnapshotKeepMin || keep > kSnapshotKeepMax) {
    return Status::InvalidArgument(
        "--snapshot-keep must be between " + std::to_string(kSnapshotKeepMin) + " and " +
        std::to_string(kSnapshotKeepMax) + ", got " + std::to_string(keep));
  }
  if (fs == nullptr) {
    fs = log::DefaultFileSystem();
  }
  TALLY_RETURN_IF_ERROR(fs->CreateDir(dir));
  TALLY_ASSIGN_OR_RETURN(std::vector<std::string> names, fs->ListDir(dir));
  bool removed = false;
  for (const std::string& name : names) {
    if (!IsSnapshotTempFileName(name)) {
      continue;
    }
    // Only a save that never finished leaves one: the process holding the data directory's
    // lock is the only writer, and it is starting now.
    TALLY_RETURN_IF_ERROR(fs->Remove(dir / name));
    Log(LogLevel::kWarn, "snapshot", "removed the temporary file of an interrupted snapshot",
        {{"file", (dir / name).string()}});
    removed = true;
  }
  if (removed) {
    TALLY_RETURN_IF_ERROR(fs->SyncDir(dir));
  }
  return std::unique_ptr<SnapshotStore>(new SnapshotStore(std::move(dir), keep, fs));
}

Result<std::vector<SnapshotFile>> SnapshotStore::List() const {
  TALLY_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->ListDir(dir_));
  std::vector<SnapshotFile> files;
  for (const std::string& name : names) {
    if (std::optional<log::Lsn> lsn = ParseSnapshotFileName(name)) {
      files.push_back({*lsn, dir_ / name});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.lsn < b.lsn; });
  return files;
}

Result<std::unique_ptr<Engine>> SnapshotStore::OpenEngine(const EngineOptions& base,
                                                          log::Log& log) const {
  TALLY_ASSERT(base.log == &log);
  TALLY_ASSIGN_OR_RETURN(std::vector<SnapshotFile> files, List());
  const log::Lsn first = log.first_lsn();
  const log::Lsn last = log.last_lsn();
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    Result<SnapshotHeader> header = ReadSnapshotHeader(it->path);
    if (!header.ok()) {
      LogSkipped(*it, header.status().ToString());
      continue;
    }
    if (header->lsn != it->lsn) {
      LogSkipped(*it, "its header names LSN " + std::to_string(header->lsn));
      continue;
    }
    if (first > it->lsn + 1) {
      LogSkipped(*it, "the log starts at LSN " + std::to_string(first) +
                          ": the records after the snapshot's LSN are gone");
      continue;
    }
    if (it->lsn > last) {
      // Snapshots are published only once the log is durable through their LSN, so the log
      // lost records. Falling back would reuse the LSNs this snapshot holds for new records.
      return Status::FailedPrecondition(
          "snapshot " + it->path.string() + " holds records up to LSN " + std::to_string(it->lsn) +
          " but the log ends at LSN " + std::to_string(last) +
          ": the log lost records; move the snapshot out of " + dir_.string() +
          " to start from the log, or restore from it with `tally restore`");
    }
    Log(LogLevel::kInfo, "snapshot", "loading snapshot",
        {{"file", it->path.string()}, {"lsn", it->lsn}, {"bytes", header->file_bytes}});
    EngineOptions options = base;
    options.snapshot = it->path;
    Result<std::unique_ptr<Engine>> engine = Engine::Open(options);
    if (engine.ok()) {
      return engine;
    }
    // The load failed: blame the snapshot only if it does not verify on its own; otherwise the
    // log's tail is at fault, and an older snapshot would meet the same records.
    Result<SnapshotHeader> verified = VerifySnapshot(it->path);
    if (verified.ok()) {
      return engine.status();
    }
    LogSkipped(*it, verified.status().ToString());
  }
  if (first > 1) {
    return Status::FailedPrecondition("the log starts at LSN " + std::to_string(first) +
                                      " but no usable snapshot covers LSNs 1.." +
                                      std::to_string(first - 1) +
                                      "; restore one with `tally restore`");
  }
  EngineOptions options = base;
  options.snapshot.clear();
  Log(LogLevel::kInfo, "snapshot", "no snapshot: replaying the log from its start",
      {{"snapshots_dir", dir_.string()}});
  return Engine::Open(options);
}

Result<SnapshotSaved> SnapshotStore::Save(Engine& engine, log::Log& log,
                                          const SnapshotSaveOptions& options) {
  std::unique_lock lock(save_mu_, std::defer_lock);
  if (options.wait_if_busy) {
    lock.lock();
  } else if (!lock.try_lock()) {
    return Status::AlreadyExists("a snapshot is already being written; retry when it finishes");
  }
  if (closed_) {
    return Status::Unavailable("the server is shutting down");
  }
  return SaveLocked(engine, log, options);
}

void SnapshotStore::Close() {
  std::lock_guard lock(save_mu_);
  closed_ = true;
}

Result<SnapshotSaved> SnapshotStore::SaveLocked(Engine& engine, log::Log& log,
                                                const SnapshotSaveOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::filesystem::path temp = TempPath();
  SnapshotWriteOptions write;
  write.progress = options.progress;
  Result<SnapshotHeader> header = engine.WriteSnapshot(temp, write);
  // The snapshot may be published only once every record it holds is durable in the log:
  // otherwise a crash could leave a snapshot ahead of the log, and new records would reuse
  // its LSNs.
  Status durable = header.ok() ? log.Sync() : header.status();
  if (!durable.ok()) {
    Discard(temp);
    return durable.WithContext("write snapshot");
  }
  TALLY_ASSERT(header->lsn >= options.drop_below);
  SnapshotSaved saved;
  saved.path = dir_ / SnapshotFileName(header->lsn);
  saved.header = *header;
  if (Status renamed = fs_->Rename(temp, saved.path); !renamed.ok()) {
    Discard(temp);
    return renamed.WithContext("publish snapshot");
  }
  // A failure from here on leaves the snapshot published, but not known to be durable, or
  // older files not yet pruned: the caller hears of it, and the next save tries again.
  TALLY_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  TALLY_RETURN_IF_ERROR(Prune(options.drop_below, &saved.removed));
  TALLY_ASSIGN_OR_RETURN(saved.segments_deleted, Compact(log));
  saved.duration_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - start)
                                     .count());
  Log(LogLevel::kInfo, "snapshot", "snapshot saved",
      {{"file", saved.path.string()},
       {"lsn", saved.header.lsn},
       {"bytes", saved.header.file_bytes},
       {"events", saved.header.events},
       {"contacts", saved.header.contacts},
       {"snapshots_removed", saved.removed.size()},
       {"segments_deleted", saved.segments_deleted},
       {"duration_ms", saved.duration_ms}});
  return saved;
}

std::filesystem::path SnapshotStore::TempPath() {
  return dir_ / (std::string(kTempPrefix) + std::to_string(::getpid()) + "-" +
                 std::to_string(++temp_counter_) + std::string(kTempSuffix));
}

Result<SnapshotFile> SnapshotStore::Import(const std::filesystem::path& file,
                                           const SnapshotProgress& progress) {
  std::lock_guard lock(save_mu_);
  if (closed_) {
    return Status::Unavailable("the snapshot store is closed");
  }
  const std::filesystem::path temp = TempPath();
  std::error_code ec;
  std::filesystem::copy_file(file, temp, ec);
  if (!ec) {
    // A backup may be read-only; the copy is the data directory's own file.
    using std::filesystem::perms;
    std::filesystem::permissions(
        temp, perms::owner_read | perms::owner_write | perms::group_read | perms::others_read, ec);
  }
  Status copied =
      ec ? Status::IoError("copy " + file.string() + ": " + ec.message()) : SyncFile(fs_, temp);
  // The copy is verified, not only the original: it is the one a server will load.
  Result<SnapshotHeader> header = copied.ok() ? VerifySnapshot(temp, progress) : copied;
  if (!header.ok()) {
    Discard(temp);
    return header.status();
  }
  SnapshotFile imported{header->lsn, dir_ / SnapshotFileName(header->lsn)};
  if (Status renamed = fs_->Rename(temp, imported.path); !renamed.ok()) {
    Discard(temp);
    return renamed;
  }
  TALLY_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  return imported;
}

Status SnapshotStore::Prune(log::Lsn drop_below, std::vector<std::filesystem::path>* removed) {
  TALLY_ASSIGN_OR_RETURN(std::vector<SnapshotFile> files, List());
  const std::size_t beyond_keep = files.size() > keep_ ? files.size() - keep_ : 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const bool old = i < beyond_keep;
    const bool erased = files[i].lsn < drop_below;
    if (!old && !erased) {
      continue;
    }
    TALLY_RETURN_IF_ERROR(fs_->Remove(files[i].path));
    Log(LogLevel::kInfo, "snapshot", "snapshot removed",
        {{"file", files[i].path.string()},
         {"lsn", files[i].lsn},
         {"reason", old ? "beyond --snapshot-keep"
                        : "holds erased data past --erase-within (outranks --snapshot-keep)"}});
    removed->push_back(files[i].path);
  }
  if (!removed->empty()) {
    TALLY_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  }
  return Status::Ok();
}

Result<std::size_t> SnapshotStore::Compact(log::Log& log) {
  TALLY_ASSIGN_OR_RETURN(std::vector<SnapshotFile> files, List());
  if (files.empty()) {
    return std::size_t{0};
  }
  TALLY_ASSIGN_OR_RETURN(std::size_t deleted, log.DeleteSegmentsBelow(files.front().lsn + 1));
  if (deleted > 0) {
    Log(LogLevel::kInfo, "snapshot", "log compacted",
        {{"segments_deleted", deleted},
         {"covered_through_lsn", files.front().lsn},
         {"log_first_lsn", log.first_lsn()}});
  }
  return deleted;
}

Result<log::Lsn> SnapshotStore::ErasedThrough(const log::Log& log) const {
  TALLY_ASSIGN_OR_RETURN(std::vector<SnapshotFile> files, List());
  log::Lsn through = log.first_lsn() - 1;
  if (!files.empty()) {
    through = std::min(through, files.front().lsn);
  }
  return through;
}

Result<SnapshotSaved> SnapshotStore::PurgeErasures(Engine& engine, log::Log& log,
                                                   SnapshotSaveOptions options) {
  TALLY_RETURN_IF_ERROR(log.Roll());
  // Every record appended before the roll is in a sealed segment and at or below this LSN; the
  // new snapshot is at or after it, so dropping the snapshots below it lets compaction delete
  // every sealed segment.
  options.drop_below = log.last_lsn();
  TALLY_ASSIGN_OR_RETURN(SnapshotSaved saved, Save(engine, log, options));
  TALLY_ASSIGN_OR_RETURN(log::Lsn purged, ErasedThrough(log));
  if (purged > 0) {
    engine.ForgetErasuresThrough(purged);
  }
  Log(LogLevel::kInfo, "snapshot", "erased data purged from disk",
      {{"through_lsn", purged}, {"snapshot", saved.path.string()}});
  return saved;
}

}  // namespace tally::engine
