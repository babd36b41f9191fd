// RecordBuilder: turns validated writes into the FlatBuffers log records of
// schemas/log_record.fbs, with every default resolved so that applying them is a pure
// function of the prior state.
//
// Thread safety: none; see the class comment.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "engine/clock.h"
#include "engine/model.h"
#include "engine/validation.h"

namespace tally::engine {

// Builds one record at a time into a buffer it keeps, so a thread that writes often reuses one
// allocation. Each Build* call replaces the previous record; the returned view is valid until
// the next call or the builder's destruction. Not thread safe: one builder per thread.
class RecordBuilder {
 public:
  // customEvents.upsert: source "api"; created_at absent (the record time is used on insert).
  void BuildEventWrite(std::string_view workspace_id, const EventInput& input,
                       const ResolvedEvent& resolved, TimeUs recorded_at);

  // customEvents.import: inputs[i] with resolved[i]; created_at kept when the client sent it.
  void BuildEventImport(std::string_view workspace_id, const std::vector<EventInput>& inputs,
                        const std::vector<ResolvedEvent>& resolved, TimeUs recorded_at);

  void BuildContactErasure(std::string_view workspace_id, std::string_view email,
                           TimeUs recorded_at);

  // The frame type (the RecordBody tag) and payload of the last record built.
  std::uint16_t type() const { return type_; }
  std::span<const std::byte> payload() const {
    return {reinterpret_cast<const std::byte*>(builder_.GetBufferPointer()), builder_.GetSize()};
  }
  const std::uint8_t* data() const { return builder_.GetBufferPointer(); }

 private:
  std::uint16_t type_ = 0;
  flatbuffers::FlatBufferBuilder builder_{1024};
};

}  // namespace tally::engine
