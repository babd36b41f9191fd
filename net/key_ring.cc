#include "net/key_ring.h"

#include <sys/stat.h>

#include "net/key_file.h"

namespace tally::net {

KeyRing::KeyRing(std::filesystem::path data_dir)
    : data_dir_(std::move(data_dir)), current_(std::make_shared<const KeySet>()) {}

KeyRing::FileStamp KeyRing::Stamp() const {
  struct stat st {};
  if (::stat(KeysFilePath(data_dir_).c_str(), &st) != 0) {
    return FileStamp{};
  }
  return FileStamp{
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
      static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino)};
}

Status KeyRing::Reload() {
  std::lock_guard lock(reload_mu_);
  // Stamp before reading: a change racing with the read is then seen by the next poll.
  FileStamp stamp = Stamp();
  Result<KeySet> keys = LoadKeys(data_dir_);
  // A broken file is reported once per change of the file, not on every poll.
  stamp_ = stamp;
  if (!keys.ok()) {
    return keys.status();
  }
  current_.store(std::make_shared<const KeySet>(std::move(keys).value()),
                 std::memory_order_release);
  return Status::Ok();
}

Status KeyRing::ReloadIfChanged() {
  {
    std::lock_guard lock(reload_mu_);
    if (Stamp() == stamp_) {
      return Status::Ok();
    }
  }
  return Reload();
}

}  // namespace tally::net
