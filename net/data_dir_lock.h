// DataDirLock: the exclusive lock on a data directory (`<dir>/LOCK`, flock), held by `serve`
// for its whole run and by every offline command that writes the directory (`snapshot save
// --data-dir`, `restore`), so that an offline writer never runs against a live server. The
// holder writes its pid into the file, so a refused caller can name it. `keys` commands do not
// take it: they have their own lock (net/key_file.h) and must work beside a running server.
//
// A DataDirLock is a move-only owner of the locked file descriptor; the lock is released when
// it is destroyed (or when the process dies, whatever the cause). A fork()ed child shares the
// lock until it exits. Not synchronized: one owner.
#pragma once

#include <filesystem>
#include <string_view>

#include "log/result.h"

namespace tally::net {

inline constexpr std::string_view kLockFileName = "LOCK";
inline constexpr std::string_view kLogDirName = "log";
inline constexpr std::string_view kSnapshotsDirName = "snapshots";

class DataDirLock {
 public:
  // Creates `data_dir` if missing and takes its lock without waiting. kFailedPrecondition
  // "data directory D is in use by another tally process (pid N)" when it is held; kIoError.
  static Result<DataDirLock> Acquire(const std::filesystem::path& data_dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace tally::net
