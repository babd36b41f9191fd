// `tally keys add|list|revoke` (contract §1). Each prints its result on stdout and returns the
// process exit code (0 success, 1 runtime failure with one line on stderr). Called from main.
#pragma once

#include "net/cli.h"

namespace tally::net {

// Prints the key's id, workspace and scopes, then the key itself alone on the last line.
int RunKeysAdd(const KeysAddArgs& args);
// One line per key: id, workspace, scopes, created_at. Never a secret.
int RunKeysList(const KeysListArgs& args);
int RunKeysRevoke(const KeysRevokeArgs& args);

}  // namespace tally::net
