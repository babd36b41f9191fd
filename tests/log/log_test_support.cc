#include "tests/log/log_test_support.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <optional>

#include <gtest/gtest.h>
#include <unistd.h>

#include "log/log_reader.h"
#include "log/record_format.h"
#include "log/segment.h"
#include "schemas/log_record_generated.h"

namespace tally::log::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("tally_log_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string Id(std::string_view prefix, int i) {
  std::string id(prefix);
  id += std::to_string(i);
  return id;
}

std::string PairId(int a, int b) {
  std::string id = std::to_string(a);
  id += ':';
  id += std::to_string(b);
  return id;
}

std::uint16_t SegmentDeleteType() {
  return static_cast<std::uint16_t>(schemas::RecordBody::SegmentDelete);
}

std::vector<std::byte> SegmentDeletePayload(const std::string& id, std::size_t filler_bytes) {
  flatbuffers::FlatBufferBuilder builder(128 + filler_bytes);
  const auto workspace = builder.CreateString(std::string(filler_bytes, 'w'));
  const auto id_offset = builder.CreateString(id);
  const auto body = schemas::CreateSegmentDelete(builder, workspace, id_offset, 1234);
  const auto record =
      schemas::CreateRecord(builder, schemas::RecordBody::SegmentDelete, body.Union());
  schemas::FinishRecordBuffer(builder, record);
  const auto* data = reinterpret_cast<const std::byte*>(builder.GetBufferPointer());
  return std::vector<std::byte>(data, data + builder.GetSize());
}

std::string SegmentDeleteId(std::span<const std::byte> payload) {
  const auto* record = schemas::GetRecord(payload.data());
  return record->body_as_SegmentDelete()->id()->str();
}

ReadBack ReadAll(const Log& log, Lsn from) {
  ReadBack out;
  Result<LogReader> reader = log.Read(from);
  if (!reader.ok()) {
    out.status = reader.status();
    return out;
  }
  for (;;) {
    Result<std::optional<RecordView>> next = reader->Next();
    if (!next.ok()) {
      out.status = next.status();
      return out;
    }
    if (!next->has_value()) {
      return out;
    }
    out.lsns.push_back((*next)->lsn);
    out.ids.push_back(SegmentDeleteId((*next)->payload));
  }
}

std::vector<std::filesystem::path> SegmentFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (ParseSegmentFileName(entry.path().filename().string()).has_value()) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::byte> ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::transform(chars.begin(), chars.end(), bytes.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return bytes;
}

void WriteFileBytes(const std::filesystem::path& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::vector<FrameSpan> Frames(const std::vector<std::byte>& segment) {
  std::vector<FrameSpan> frames;
  std::uint64_t offset = kSegmentHeaderBytes;
  while (offset + kFrameHeaderBytes <= segment.size()) {
    FrameHeader header;
    const std::span<const std::byte, kFrameHeaderBytes> raw(segment.data() + offset,
                                                            kFrameHeaderBytes);
    if (DecodeFrameHeader(raw, &header) != FrameHeaderState::kValid) {
      break;
    }
    const std::uint64_t end = offset + FrameBytes(header.payload_bytes);
    frames.push_back(FrameSpan{
        .offset = offset, .payload_bytes = header.payload_bytes, .end = end, .lsn = header.lsn});
    offset = end;
  }
  return frames;
}

void CopyDir(const std::filesystem::path& from, const std::filesystem::path& to) {
  for (const auto& entry : std::filesystem::directory_iterator(from)) {
    std::filesystem::copy_file(entry.path(), to / entry.path().filename());
  }
}

}  // namespace tally::log::testing
