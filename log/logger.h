// Logger: tally's operational log, one JSON object per line on stdout (contract §1).
//
// Every line has ts (RFC 3339, UTC, microseconds), level, component and msg, plus the caller's
// fields. Values are escaped by Boost.JSON, so a field can never break the line. Never pass an
// API key or other secret as a field.
//
// Thread safety: Write may be called from any thread; a mutex keeps lines whole. The minimum
// level and the sink are process-wide settings meant to be set once at start-up (tests may
// redirect the sink to capture lines).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace tally {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

struct LogField {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, long v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, long long v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::uint64_t{v}) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(std::uint64_t{v}) {}
  LogField(std::string_view k, unsigned long long v) : key(k), value(std::uint64_t{v}) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}

  std::string_view key;
  Value value;
};

// Writes one line if `level` is at or above the minimum level.
void Log(LogLevel level, std::string_view component, std::string_view msg,
         std::initializer_list<LogField> fields = {});

void SetLogLevel(LogLevel level);
// Replaces the sink (default: stdout). Passing an empty function restores stdout.
void SetLogSink(std::function<void(std::string_view line)> sink);

// Parses "debug" | "info" | "warn" | "error"; false when the name is unknown.
bool ParseLogLevel(std::string_view name, LogLevel* level);

}  // namespace tally
