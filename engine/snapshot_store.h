// SnapshotStore: the snapshots of one data directory (`<data-dir>/snapshots/`) — publishing a
// new one, keeping the newest N, compacting the log behind the oldest kept one, and choosing the
// snapshot to start from (docs/operations.md, "Snapshots and backups").
//
// Files: `snapshot-<LSN, 20 digits>.tsnap`. A snapshot is written under a temporary name
// (`incomplete-<pid>-<n>.tsnap-tmp`, which never matches a final name), fsynced, published by a
// rename once the log is durable through its LSN, and the directory is fsynced; so a crash at
// any moment leaves either no new file or a complete one. Open removes temporary files left by
// a crash, and logs each.
//
// Thread safety: every method may be called from any thread. One Save (or EraseThrough) runs
// at a time, serialized by save_mu_; a second caller waits, or is refused with kAlreadyExists
// when it asked not to wait. List and OldestLsn read the directory and take no lock: a file
// that disappears under them (pruned by a concurrent Save) is simply missing from the answer.
// The process must hold the data directory's lock (net/data_dir_lock.h) so that no other
// process writes the same directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/snapshot.h"
#include "log/file_system.h"
#include "log/log.h"
#include "log/result.h"
#include "log/status.h"

namespace tally::engine {

inline constexpr std::size_t kSnapshotKeepMin = 1;
inline constexpr std::size_t kSnapshotKeepMax = 1000;

// A published snapshot file and the LSN its name carries.
struct SnapshotFile {
  log::Lsn lsn = 0;
  std::filesystem::path path;
};

// "snapshot-00000000000000000042.tsnap" for LSN 42, and back (nullopt for any other name).
std::string SnapshotFileName(log::Lsn lsn);
std::optional<log::Lsn> ParseSnapshotFileName(std::string_view name);
// True for the names temporary files of a snapshot being written get.
bool IsSnapshotTempFileName(std::string_view name);

struct SnapshotSaveOptions {
  // false: if another save is running, fail at once with kAlreadyExists instead of waiting.
  bool wait_if_busy = true;
  // Also delete every snapshot whose LSN is below this one, whatever `keep` says (the erasure
  // bound outranks it). 0: keep-N pruning only.
  log::Lsn drop_below = 0;
  SnapshotProgress progress;  // bytes written, from the calling thread
};

struct SnapshotSaved {
  std::filesystem::path path;
  SnapshotHeader header;
  std::vector<std::filesystem::path> removed;  // older snapshots deleted by this save
  std::size_t segments_deleted = 0;            // log segments compaction deleted
  std::uint64_t duration_ms = 0;
};

class SnapshotStore {
 public:
  // Opens `dir` (created if missing; its parent must exist), keeping the newest `keep`
  // snapshots (kSnapshotKeepMin..kSnapshotKeepMax). Removes temporary files left by an
  // interrupted save, logging each. `fs` (null: the real one; not owned) carries every listing,
  // rename, removal and fsync of the store, so tests can inject faults; the snapshot file
  // itself is written by Engine::WriteSnapshot. Errors: kInvalidArgument for `keep`, kIoError.
  static Result<std::unique_ptr<SnapshotStore>> Open(std::filesystem::path dir, std::size_t keep,
                                                     log::FileSystem* fs = nullptr);

  SnapshotStore(const SnapshotStore&) = delete;
  SnapshotStore& operator=(const SnapshotStore&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::size_t keep() const { return keep_; }

  // Published snapshots, ascending LSN. kIoError if the directory cannot be read.
  Result<std::vector<SnapshotFile>> List() const;

  // Opens the engine as start-up must (contract §1): from the newest snapshot that loads, then
  // the log after it. A snapshot that fails to load because it is damaged (its header, or a
  // VerifySnapshot run after a failed load, says so) is logged with its file and the reason,
  // and the previous one is tried; so is one the log does not continue (the log starts after
  // its LSN + 1). A snapshot ahead of the log (the log ends before its LSN) is
  // kFailedPrecondition naming both LSNs: the log lost records, and new ones would reuse LSNs
  // the snapshot holds. With no usable snapshot the log is replayed from its start, which must
  // be LSN 1: otherwise kFailedPrecondition names the log's first LSN and the LSNs no snapshot
  // covers. `base.snapshot` is ignored; `base.log` must be `log`. Errors: Engine::Open's.
  Result<std::unique_ptr<Engine>> OpenEngine(const EngineOptions& base, log::Log& log) const;

  // Waits for a save in progress and makes every later Save, PurgeErasures and Import fail
  // with kUnavailable: called at shutdown before the engine goes away. Idempotent.
  void Close();

  // Writes a snapshot of `engine` at its current LSN and publishes it: temp file, the log made
  // durable through the snapshot's LSN, rename, directory fsync; then keeps the newest `keep`
  // (and none below options.drop_below) and compacts the log. Errors: kAlreadyExists when busy
  // and !options.wait_if_busy; WriteSnapshot's, the log's and a failed rename (the temp file is
  // removed, published files are untouched); a failed directory fsync, pruning or compaction
  // after the rename (the snapshot stays published; the next save prunes and compacts).
  Result<SnapshotSaved> Save(Engine& engine, log::Log& log, const SnapshotSaveOptions& options);

  // Purges erased data from disk (D13): rolls the log, so that every record so far lies in
  // sealed segments; saves a snapshot (at an LSN at or after the roll) deleting every snapshot
  // below the roll, whatever `keep` says; compacts; and tells the engine which erasures are
  // gone (ForgetErasuresThrough(ErasedThrough)). Errors: Save's, Log::Roll's.
  Result<SnapshotSaved> PurgeErasures(Engine& engine, log::Log& log, SnapshotSaveOptions options);

  // Copies the snapshot `file` (from a backup) into the store for `tally restore`: to a
  // temporary file, fsync, verify the copy (progress in bytes), rename to its final name,
  // directory fsync. Errors: VerifySnapshot's (kCorruption names what is damaged), kIoError.
  Result<SnapshotFile> Import(const std::filesystem::path& file, const SnapshotProgress& progress);

  // Deletes the log segments wholly covered by the oldest kept snapshot (all of their records
  // have LSN <= its LSN). Returns how many. Nothing is deleted without a snapshot.
  Result<std::size_t> Compact(log::Log& log);

  // The highest erasure LSN whose data is on no kept file any more: every record up to it is
  // gone from the log (log.first_lsn() > it) and no kept snapshot predates it. The caller passes
  // it to Engine::ForgetErasuresThrough. 0 when nothing is purged.
  Result<log::Lsn> ErasedThrough(const log::Log& log) const;

 private:
  SnapshotStore(std::filesystem::path dir, std::size_t keep, log::FileSystem* fs);
  // Removes a temporary file after a failure, which is what the caller reports.
  void Discard(const std::filesystem::path& temp);

  Result<SnapshotSaved> SaveLocked(Engine& engine, log::Log& log,
                                   const SnapshotSaveOptions& options);
  // Deletes snapshots beyond the newest keep_ and below drop_below; appends them to removed.
  Status Prune(log::Lsn drop_below, std::vector<std::filesystem::path>* removed);
  // A fresh temporary file name in dir_; save_mu_ must be held.
  std::filesystem::path TempPath();

  const std::filesystem::path dir_;
  const std::size_t keep_;
  log::FileSystem* const fs_;
  std::mutex save_mu_;  // held for the whole of a save; guards temp_counter_ and closed_
  std::uint64_t temp_counter_ = 0;
  bool closed_ = false;
};

}  // namespace tally::engine
