#include "net/key_file.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace tally::net {
namespace {

// An exclusive advisory lock on <data-dir>/keys.lock, held for one read-modify-write.
class KeysLock {
 public:
  static Result<KeysLock> Acquire(const std::filesystem::path& data_dir) {
    std::filesystem::path path = data_dir / "keys.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Status::FromErrno(errno, "open " + path.string());
    }
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        Status s = Status::FromErrno(errno, "flock " + path.string());
        ::close(fd);
        return s;
      }
    }
    return KeysLock(fd);
  }
  KeysLock(KeysLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  KeysLock& operator=(KeysLock&&) = delete;
  ~KeysLock() {
    if (fd_ >= 0) {
      ::close(fd_);  // releases the flock
    }
  }

 private:
  explicit KeysLock(int fd) : fd_(fd) {}
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Status::FromErrno(errno, "write " + path.string());
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status FsyncPath(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return Status::FromErrno(errno, "open " + path.string());
  }
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::FromErrno(saved, "fsync " + path.string());
}

// temp + fsync + rename + fsync(dir): readers never see a partial file, and after return the
// new file survives a crash.
Status ReplaceAtomically(const std::filesystem::path& data_dir, const KeySet& keys) {
  std::filesystem::path target = KeysFilePath(data_dir);
  std::filesystem::path temp = data_dir / "keys.json.tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::FromErrno(errno, "open " + temp.string());
  }
  Status s = WriteAll(fd, keys.ToJson(), temp);
  if (s.ok() && ::fsync(fd) != 0) {
    s = Status::FromErrno(errno, "fsync " + temp.string());
  }
  ::close(fd);
  TALLY_RETURN_IF_ERROR(s);
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + temp.string());
  }
  return FsyncPath(data_dir, O_RDONLY | O_DIRECTORY);
}

Status EnsureDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::IoError("create " + dir.string() + ": " + ec.message());
  }
  return Status::Ok();
}

engine::TimeUs NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::filesystem::path KeysFilePath(const std::filesystem::path& data_dir) {
  return data_dir / kKeysFileName;
}

Result<KeySet> LoadKeys(const std::filesystem::path& data_dir) {
  std::filesystem::path path = KeysFilePath(data_dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) {
    return KeySet();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IoError("open " + path.string() + ": cannot read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::IoError("read " + path.string());
  }
  Result<KeySet> keys = KeySet::FromJson(text.str());
  if (!keys.ok()) {
    return keys.status().WithContext(path.string());
  }
  return keys;
}

Result<MintedKey> AddKey(const std::filesystem::path& data_dir, std::string_view workspace,
                         std::uint8_t scopes) {
  TALLY_ASSERT(scopes != 0);
  TALLY_RETURN_IF_ERROR(EnsureDir(data_dir));
  TALLY_ASSIGN_OR_RETURN(KeysLock lock, KeysLock::Acquire(data_dir));
  TALLY_ASSIGN_OR_RETURN(KeySet current, LoadKeys(data_dir));
  TALLY_ASSIGN_OR_RETURN(MintedKey minted, MintKey(workspace, scopes, NowUs()));
  std::vector<ApiKeyRecord> records = current.records();
  records.push_back(minted.record);
  TALLY_RETURN_IF_ERROR(ReplaceAtomically(data_dir, KeySet(std::move(records))));
  return minted;
}

Status RevokeKey(const std::filesystem::path& data_dir, std::string_view id) {
  TALLY_RETURN_IF_ERROR(EnsureDir(data_dir));
  TALLY_ASSIGN_OR_RETURN(KeysLock lock, KeysLock::Acquire(data_dir));
  TALLY_ASSIGN_OR_RETURN(KeySet current, LoadKeys(data_dir));
  std::vector<ApiKeyRecord> records = current.records();
  auto it = std::find_if(records.begin(), records.end(),
                         [id](const ApiKeyRecord& r) { return r.id == id; });
  if (it == records.end()) {
    return Status::NotFound("no API key with id " + std::string(id));
  }
  records.erase(it);
  return ReplaceAtomically(data_dir, KeySet(std::move(records)));
}

}  // namespace tally::net
