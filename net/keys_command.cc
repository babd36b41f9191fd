#include "net/keys_command.h"

#include <cstdio>

#include "net/key_file.h"
#include "net/rfc3339.h"

namespace tally::net {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "tally: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int RunKeysAdd(const KeysAddArgs& args) {
  if (args.workspace.empty()) {
    std::fprintf(stderr, "tally: --workspace must not be empty\n");
    return 2;
  }
  Result<MintedKey> minted = AddKey(args.data_dir, args.workspace, args.Scopes());
  if (!minted.ok()) {
    return Fail(minted.status());
  }
  std::printf("id: %s\nworkspace: %s\nscopes: %s\n%s\n", minted->record.id.c_str(),
              minted->record.workspace.c_str(), ScopeNames(minted->record.scopes).c_str(),
              minted->token.c_str());
  return 0;
}

int RunKeysList(const KeysListArgs& args) {
  Result<KeySet> keys = LoadKeys(args.data_dir);
  if (!keys.ok()) {
    return Fail(keys.status());
  }
  std::printf("%-16s  %-24s  %-16s  %s\n", "ID", "WORKSPACE", "SCOPES", "CREATED_AT");
  for (const ApiKeyRecord& r : keys->records()) {
    std::printf("%-16s  %-24s  %-16s  %s\n", r.id.c_str(), r.workspace.c_str(),
                ScopeNames(r.scopes).c_str(), FormatRfc3339(r.created_at).c_str());
  }
  return 0;
}

int RunKeysRevoke(const KeysRevokeArgs& args) {
  Status s = RevokeKey(args.data_dir, args.id);
  if (!s.ok()) {
    return Fail(s);
  }
  std::printf("revoked %s\n", args.id.c_str());
  return 0;
}

}  // namespace tally::net
