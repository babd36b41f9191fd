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

}  // namespace

void RecordBuilder::BuildEventWrite(std::string_view workspace_id, const EventInput& input,
                                    const ResolvedEvent& resolved, TimeUs recorded_at) {
  builder_.Clear();
  const auto upsert =
      BuildUpsert(builder_, workspace_id, input, resolved, std::nullopt, recorded_at);
  const auto body = fb::CreateEventWrite(builder_, upsert);
  type_ = static_cast<std::uint16_t>(fb::RecordBody::EventWrite);
  fb::FinishRecordBuffer(builder_,
                         fb::CreateRecord(builder_, fb::RecordBody::EventWrite, body.Union()));
}

void RecordBuilder::BuildEventImport(std::string_view workspace_id,
                                     const std::vector<EventInput>& inputs,
                                     const std::vector<ResolvedEvent>& resolved,
                                     TimeUs recorded_at) {
  TALLY_ASSERT(inputs.size() == resolved.size() && !inputs.empty());
  builder_.Clear();
  std::vector<flatbuffers::Offset<fb::EventUpsert>> events;
  events.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    events.push_back(BuildUpsert(builder_, workspace_id, inputs[i], resolved[i],
                                 inputs[i].created_at, recorded_at));
  }
  const auto body = fb::CreateEventImport(builder_, builder_.CreateVector(events));
  type_ = static_cast<std::uint16_t>(fb::RecordBody::EventImport);
  fb::FinishRecordBuffer(builder_,
                         fb::CreateRecord(builder_, fb::RecordBody::EventImport, body.Union()));
}

void RecordBuilder::BuildContactErasure(std::string_view workspace_id, std::string_view email,
                                        TimeUs recorded_at) {
  builder_.Clear();
  const auto workspace = String(builder_, workspace_id);
  const auto normalized = String(builder_, email);
  const auto body = fb::CreateContactErasure(builder_, workspace, normalized, recorded_at);
  type_ = static_cast<std::uint16_t>(fb::RecordBody::ContactErasure);
  fb::FinishRecordBuffer(builder_,
                         fb::CreateRecord(builder_, fb::RecordBody::ContactErasure, body.Union()));
}

}  // namespace tally::engine
