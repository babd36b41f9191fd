// Helpers shared by the log tests: a scratch directory per test, real FlatBuffers Record
// payloads (so the verifier passes), and small file-editing tools for corruption tests.
//
// Not thread safe except where noted; each test owns its TempDir.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/log.h"

namespace tally::log::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// "<prefix><i>" and "<a>:<b>": record ids. (Built with append: GCC 12 reports a false
// -Wrestrict for `"s" + std::to_string(i)`.)
std::string Id(std::string_view prefix, int i);
std::string PairId(int a, int b);

// The record type of SegmentDelete payloads.
std::uint16_t SegmentDeleteType();

// A schemas::Record whose body is a SegmentDelete with the given id; `filler_bytes` of
// workspace id make payloads of chosen sizes. Thread safe.
std::vector<std::byte> SegmentDeletePayload(const std::string& id, std::size_t filler_bytes = 8);

// The SegmentDelete id inside a payload produced above.
std::string SegmentDeleteId(std::span<const std::byte> payload);

struct ReadBack {
  Status status;                 // the first error Next() returned, or ok
  std::vector<Lsn> lsns;         // every record handed out, in order
  std::vector<std::string> ids;  // their SegmentDelete ids
};
// Reads every record from `from` on.
ReadBack ReadAll(const Log& log, Lsn from = 1);

// Segment file paths in `dir`, ascending.
std::vector<std::filesystem::path> SegmentFiles(const std::filesystem::path& dir);

// Reads and writes raw bytes of a file.
std::vector<std::byte> ReadFileBytes(const std::filesystem::path& path);
void WriteFileBytes(const std::filesystem::path& path, const std::vector<std::byte>& bytes);

// Where each frame of a segment file's bytes lies (walking valid headers from the first).
struct FrameSpan {
  std::uint64_t offset = 0;         // of the header
  std::uint64_t payload_bytes = 0;  // without padding
  std::uint64_t end = 0;            // one past the padding
  Lsn lsn = 0;
};
std::vector<FrameSpan> Frames(const std::vector<std::byte>& segment);

// Copies every file of `from` into `to` (which must exist and be empty).
void CopyDir(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace tally::log::testing
