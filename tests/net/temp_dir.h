// TempDir: a fresh directory under the system temp directory, removed with everything in it
// when the object is destroyed. For tests only; each instance is used by one thread.
#pragma once

#include <filesystem>
#include <string>

#include <stdlib.h>

#include "log/assert.h"

namespace tally::net {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tally-net-XXXXXX").string();
    TALLY_ASSERT(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tally::net
