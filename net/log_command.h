// `tally log verify --data-dir DIR` and `tally log dump --data-dir DIR [--from LSN] [--limit N]`
// (contract §1): offline inspection of `<DIR>/log/` through ScanLog (net/log_scan.h), which
// never changes a file, so both may run beside a live server.
//
// verify prints one line per problem (segment, offset, LSN, reason) and a summary on stdout and
// exits 1 if there was any problem; a torn tail, which recovery cuts, is reported but is not
// one. dump prints one JSON object per record: {"lsn":N,"type":"EventWrite","body":{…}}, the
// body printed by FlatBuffers from the schema. Called from main; return the exit code.
#pragma once

#include "net/cli.h"

namespace tally::net {

int RunLogVerify(const LogArgs& args);
int RunLogDump(const LogArgs& args);

}  // namespace tally::net
