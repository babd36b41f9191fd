// RecordBuilder: turns validated writes into the FlatBuffers log records of
// schemas/log_record.fbs, with every default resolved so that applying them is a pure
// function of the prior state.
//
// Pure functions, thread safe; each returns its own buffer.
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

// A finished Record and the frame type (its RecordBody tag) to append it with.
struct RecordBuffer {
  std::uint16_t type = 0;
  flatbuffers::FlatBufferBuilder builder;

  std::span<const std::byte> payload() const {
    return {reinterpret_cast<const std::byte*>(builder.GetBufferPointer()), builder.GetSize()};
  }
};

// customEvents.upsert: source "api"; created_at absent (the record time is used on insert).
RecordBuffer BuildEventWrite(std::string_view workspace_id, const EventInput& input,
                             const ResolvedEvent& resolved, TimeUs recorded_at);

// customEvents.import: inputs[i] with resolved[i]; created_at kept when the client sent it.
RecordBuffer BuildEventImport(std::string_view workspace_id, const std::vector<EventInput>& inputs,
                              const std::vector<ResolvedEvent>& resolved, TimeUs recorded_at);

RecordBuffer BuildContactErasure(std::string_view workspace_id, std::string_view email,
                                 TimeUs recorded_at);

}  // namespace tally::engine
