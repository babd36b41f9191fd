#include "net/log_command.h"

#include <cstdio>
#include <string>

#include <flatbuffers/idl.h>

#include "log/logger.h"
#include "net/data_dir_lock.h"
#include "net/log_record_schema.h"
#include "net/log_scan.h"
#include "net/progress_meter.h"
#include "schemas/log_record_generated.h"

namespace tally::net {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "tally: %s\n", status.ToString().c_str());
  return 1;
}

std::string Describe(const LogScanProblem& p) {
  return "segment " + p.segment + " offset " + std::to_string(p.offset) + " LSN " +
         std::to_string(p.lsn) + ": " + p.reason;
}

// Prints record bodies as JSON with FlatBuffers' text generator and the log schema.
class RecordPrinter {
 public:
  Status Init() {
    parser_.opts.strict_json = true;
    parser_.opts.indent_step = -1;  // one line
    parser_.opts.output_default_scalars_in_json = false;
    if (!parser_.Parse(std::string(kLogRecordSchema).c_str())) {
      return Status::Internal("the embedded log schema does not parse: " + parser_.error_);
    }
    return Status::Ok();
  }

  // {"lsn":…,"type":…,"body":…}, or a Status when the body cannot be printed.
  Result<std::string> Line(const log::RecordView& record) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(record.payload.data());
    const schemas::Record* root = schemas::GetRecord(bytes);
    const char* type = schemas::EnumNameRecordBody(root->body_type());
    std::string body;
    if (!flatbuffers::GenerateTextFromTable(parser_, root->body(),
                                            std::string("tally.schemas.") + type, &body)) {
      return Status::Corruption("LSN " + std::to_string(record.lsn) +
                                ": the record cannot be printed as JSON");
    }
    return "{\"lsn\":" + std::to_string(record.lsn) + ",\"type\":\"" + type +
           "\",\"body\":" + body + "}";
  }

 private:
  flatbuffers::Parser parser_;
};

}  // namespace

int RunLogVerify(const LogArgs& args) {
  Result<LogScanSummary> summary = [&] {
    ProgressMeter meter("log", "verifying log", "segments", ProgressMeter::Mode::kDrawOrLog);
    LogScanOptions options;
    options.progress = meter.Callback();
    return ScanLog(args.data_dir / kLogDirName, options);
  }();
  if (!summary.ok()) {
    return Fail(summary.status());
  }
  for (const LogScanProblem& p : summary->problems) {
    std::printf("problem: %s\n", Describe(p).c_str());
  }
  if (summary->torn_tail.has_value()) {
    std::printf("torn tail (never acknowledged; recovery cuts it): %s\n",
                Describe(*summary->torn_tail).c_str());
  }
  std::printf("segments: %llu\nrecords: %llu\nfirst_lsn: %llu\nlast_lsn: %llu\nproblems: %zu\n",
              static_cast<unsigned long long>(summary->segments),
              static_cast<unsigned long long>(summary->records),
              static_cast<unsigned long long>(summary->first_lsn),
              static_cast<unsigned long long>(summary->last_lsn), summary->problems.size());
  if (!summary->problems.empty()) {
    std::fprintf(stderr, "tally: the log has %zu problem(s); the first: %s\n",
                 summary->problems.size(), Describe(summary->problems.front()).c_str());
    return 1;
  }
  return 0;
}

int RunLogDump(const LogArgs& args) {
  RecordPrinter printer;
  if (Status s = printer.Init(); !s.ok()) {
    return Fail(s);
  }
  std::uint64_t printed = 0;
  Status print_error;
  LogScanOptions options;
  options.from = args.from;
  options.on_record = [&](const log::RecordView& record) {
    if (args.limit != 0 && printed == args.limit) {
      return false;
    }
    Result<std::string> line = printer.Line(record);
    if (!line.ok()) {
      print_error = line.status();
      return false;
    }
    std::fwrite(line->data(), 1, line->size(), stdout);
    std::fputc('\n', stdout);
    ++printed;
    return true;
  };
  Result<LogScanSummary> summary = ScanLog(args.data_dir / kLogDirName, options);
  if (!summary.ok()) {
    return Fail(summary.status());
  }
  if (!print_error.ok()) {
    return Fail(print_error);
  }
  std::fflush(stdout);
  for (const LogScanProblem& p : summary->problems) {
    Log(LogLevel::kWarn, "log", "damaged record skipped",
        {{"segment", p.segment}, {"offset", p.offset}, {"lsn", p.lsn}, {"reason", p.reason}});
  }
  if (!summary->problems.empty()) {
    std::fprintf(stderr, "tally: the log has %zu problem(s); the first: %s\n",
                 summary->problems.size(), Describe(summary->problems.front()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace tally::net
