// KeyRing: the API keys a running server checks requests against, kept current with keys.json.
//
// `tally keys add|revoke` replace keys.json atomically; the server notices within
// kKeysPollInterval (a timer calls ReloadIfChanged, which compares the file's mtime, size and
// inode) or at once on SIGHUP (Reload). A file that fails to parse keeps the previous set and
// is reported, so a bad edit never locks everyone out.
//
// Thread safety: current() may be called from any thread at any time (an atomic shared_ptr
// load); Reload/ReloadIfChanged may be called from any thread and serialize on reload_mu_.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>

#include "log/status.h"
#include "net/key_set.h"

namespace tally::net {

inline constexpr std::chrono::milliseconds kKeysPollInterval{250};

class KeyRing {
 public:
  explicit KeyRing(std::filesystem::path data_dir);

  // The current set; the pointer stays valid for as long as the caller holds it.
  std::shared_ptr<const KeySet> current() const { return current_.load(std::memory_order_acquire); }

  // Reads keys.json now. On error the previous set stays in force and the error is returned.
  Status Reload();

  // Reloads only when keys.json's mtime, size or inode changed since the last load.
  Status ReloadIfChanged();

 private:
  struct FileStamp {
    std::int64_t mtime_ns = -1;
    std::int64_t size = -1;
    std::uint64_t inode = 0;
    bool operator==(const FileStamp&) const = default;
  };
  FileStamp Stamp() const;

  const std::filesystem::path data_dir_;
  std::atomic<std::shared_ptr<const KeySet>> current_;
  std::mutex reload_mu_;
  FileStamp stamp_;  // guarded by reload_mu_
};

}  // namespace tally::net
