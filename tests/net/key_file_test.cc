#include "net/key_file.h"

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/net/temp_dir.h"

namespace tally::net {
namespace {

TEST(KeyFileTest, MissingFileIsAnEmptySet) {
  TempDir dir;
  Result<KeySet> keys = LoadKeys(dir.path());
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->records().empty());
}

TEST(KeyFileTest, AddedKeyIsStoredPrivatelyAndVerifies) {
  TempDir dir;
  std::filesystem::path data = dir.path() / "new" / "data";
  Result<MintedKey> m = AddKey(data, "ws", kScopeRead);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(KeysFilePath(data).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<KeySet> keys = LoadKeys(data);
  ASSERT_TRUE(keys.ok());
  EXPECT_NE(keys->Verify(m->token), nullptr);
  EXPECT_FALSE(std::filesystem::exists(data / "keys.json.tmp"));
}

TEST(KeyFileTest, RevokeRemovesOnlyThatKey) {
  TempDir dir;
  Result<MintedKey> a = AddKey(dir.path(), "ws", kScopeRead);
  Result<MintedKey> b = AddKey(dir.path(), "ws", kScopeWrite);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(RevokeKey(dir.path(), a->record.id).ok());
  Result<KeySet> keys = LoadKeys(dir.path());
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->Verify(a->token), nullptr);
  EXPECT_NE(keys->Verify(b->token), nullptr);
  EXPECT_TRUE(RevokeKey(dir.path(), a->record.id).IsNotFound());
}

TEST(KeyFileTest, ConcurrentAddsLoseNoKey) {
  TempDir dir;
  constexpr int kThreads = 8;
  std::vector<std::string> tokens(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Result<MintedKey> m = AddKey(dir.path(), "ws", kScopeRead);
      ASSERT_TRUE(m.ok());
      tokens[i] = m->token;
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  Result<KeySet> keys = LoadKeys(dir.path());
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->records().size(), static_cast<std::size_t>(kThreads));
  for (const std::string& token : tokens) {
    EXPECT_NE(keys->Verify(token), nullptr);
  }
}

TEST(KeyFileTest, MalformedFileIsReportedWithItsPath) {
  TempDir dir;
  std::ofstream(KeysFilePath(dir.path())) << "{not json";
  Result<KeySet> keys = LoadKeys(dir.path());
  ASSERT_TRUE(keys.status().IsCorruption());
  EXPECT_NE(keys.status().message().find("keys.json"), std::string_view::npos);
}

}  // namespace
}  // namespace tally::net
