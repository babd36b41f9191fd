#include "engine/record_builder.h"

#include "log/assert.h"
#include "schemas/log_record_generated.h"

namespace tally::engine {
namespace {

namespace fb = tally::schemas;

flatbuffers::Offset<flatbuffers::String> String(flatbuffers::FlatBufferBuilder& b,
                                                std::string_view text) {
  return b.CreateString(text.data(), text.size());
}

flatbuffers::Offset<fb::EventUpsert> BuildUpsert(
    flatbuffers::FlatBufferBuilder& b, std::string_view workspace_id, const EventInput& input,
    const ResolvedEvent& resolved, std::optional<TimeUs> created_at, TimeUs recorded_at) {
  const auto workspace = String(b, workspace_id);
  const auto email = String(b, resolved.email);
  const auto event_name = String(b, input.event_name);
  const auto external_id = String(b, input.external_id);
  const auto properties = String(b, input.properties_json);
  const auto source = String(b, resolved.source);
  const auto integration_id = input.integration_id ? String(b, *input.integration_id) : 0;
  const auto goal_name = input.goal_name ? String(b, *input.goal_name) : 0;
  flatbuffers::Optional<std::int64_t> cents = flatbuffers::nullopt;
  if (resolved.goal_value_cents) cents = *resolved.goal_value_cents;
  flatbuffers::Optional<std::int64_t> deleted_at = flatbuffers::nullopt;
  if (input.deleted_at) deleted_at = *input.deleted_at;
  flatbuffers::Optional<std::int64_t> created = flatbuffers::nullopt;
  if (created_at) created = *created_at;
  return fb::CreateEventUpsert(b, workspace, email, event_name, external_id, properties,
                               resolved.occurred_at, source, integration_id, goal_name,
                               static_cast<fb::GoalType>(resolved.goal_type), cents, deleted_at,
                               created, recorded_at);
}

RecordBuffer Finish(RecordBuffer buffer, fb::RecordBody type, flatbuffers::Offset<void> body) {
  buffer.type = static_cast<std::uint16_t>(type);
  fb::FinishRecordBuffer(buffer.builder, fb::CreateRecord(buffer.builder, type, body));
  return buffer;
}

}  // namespace

RecordBuffer BuildEventWrite(std::string_view workspace_id, const EventInput& input,
                             const ResolvedEvent& resolved, TimeUs recorded_at) {
  RecordBuffer buffer;
  auto& b = buffer.builder;
  const auto upsert = BuildUpsert(b, workspace_id, input, resolved, std::nullopt, recorded_at);
  const auto body = fb::CreateEventWrite(b, upsert);
  return Finish(std::move(buffer), fb::RecordBody::EventWrite, body.Union());
}

RecordBuffer BuildEventImport(std::string_view workspace_id, const std::vector<EventInput>& inputs,
                              const std::vector<ResolvedEvent>& resolved, TimeUs recorded_at) {
  TALLY_ASSERT(inputs.size() == resolved.size() && !inputs.empty());
  RecordBuffer buffer;
  auto& b = buffer.builder;
  std::vector<flatbuffers::Offset<fb::EventUpsert>> events;
  events.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    events.push_back(
        BuildUpsert(b, workspace_id, inputs[i], resolved[i], inputs[i].created_at, recorded_at));
  }
  const auto body = fb::CreateEventImport(b, b.CreateVector(events));
  return Finish(std::move(buffer), fb::RecordBody::EventImport, body.Union());
}

RecordBuffer BuildContactErasure(std::string_view workspace_id, std::string_view email,
                                 TimeUs recorded_at) {
  RecordBuffer buffer;
  auto& b = buffer.builder;
  const auto workspace = String(b, workspace_id);
  const auto normalized = String(b, email);
  const auto body = fb::CreateContactErasure(b, workspace, normalized, recorded_at);
  return Finish(std::move(buffer), fb::RecordBody::ContactErasure, body.Union());
}

}  // namespace tally::engine
