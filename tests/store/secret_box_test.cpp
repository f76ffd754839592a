// AES-256-GCM sealing of the providers' auth tokens: the box itself, the provider codec,
// the master key file, and a clear-text store of schema 2 sealed when opened with a key.
#include "store/secret_box.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "store/codec.hpp"
#include "store/lmdb_env.hpp"
#include "store/lmdb_txn.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"
#include "tests/store/sample_records.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::store {
namespace {

using testsupport::TempDir;

const std::string kToken = "0123456789abcdef0123456789abcdef";
// The token of every provider in tests/store/data/schema_v2.
const std::string kSchemaV2Token = "00000000000000000000000000000002";

std::shared_ptr<SecretBox> box(uint32_t id = 1) {
  return std::make_shared<SecretBox>(
      std::map<uint32_t, SecretBox::Key>{{id, SecretBox::generateKey()}});
}

// The format 3 record of `p` with `sealed` in place of its token, built by hand.
std::string withSealedToken(const Provider& p, const std::string& sealed) {
  std::string record = codec::encode(p, nullptr);  // clear text: the same layout
  record[0] = static_cast<char>(codec::kSealedProviderFormat);
  size_t at = record.find(p.authToken);
  std::string len(4, '\0');
  for (int i = 0; i < 4; ++i) len[i] = static_cast<char>((sealed.size() >> (8 * i)) & 0xff);
  return record.substr(0, at - 4) + len + sealed + record.substr(at + p.authToken.size());
}

TEST(SecretBoxTest, OpensWhatItSealed) {
  auto b = box();
  auto sealed = b->seal(kToken, "provider-a");
  EXPECT_EQ(sealed.find(kToken), std::string::npos);
  auto opened = b->open(sealed, "provider-a");
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, kToken);
  EXPECT_EQ(SecretBox::keyIdOf(sealed), 1u);
}

TEST(SecretBoxTest, EverySealHasItsOwnNonce) {
  auto b = box();
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.insert(b->seal(kToken, "p")).second);
}

TEST(SecretBoxTest, RefusesEveryAlteredByte) {
  auto b = box();
  auto sealed = b->seal(kToken, "provider-a");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_FALSE(b->open(tampered, "provider-a")) << "byte " << i;
  }
  EXPECT_FALSE(b->open(sealed.substr(0, sealed.size() - 1), "provider-a"));
  EXPECT_FALSE(b->open(sealed.substr(0, 10), "provider-a"));
}

TEST(SecretBoxTest, RefusesAValueMovedToAnotherRecord) {
  auto b = box();
  auto opened = b->open(b->seal(kToken, "provider-a"), "provider-b");
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("copied from another record"), std::string::npos);
}

TEST(SecretBoxTest, OlderKeysStillOpenWhatTheySealed) {
  auto k1 = SecretBox::generateKey();
  SecretBox old({{1, k1}});
  SecretBox rotated({{1, k1}, {2, SecretBox::generateKey()}});
  auto sealedBefore = old.seal(kToken, "p");
  EXPECT_EQ(*rotated.open(sealedBefore, "p"), kToken);
  EXPECT_EQ(SecretBox::keyIdOf(rotated.seal(kToken, "p")), 2u);
  auto missing = SecretBox({{2, SecretBox::generateKey()}}).open(sealedBefore, "p");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("key 1"), std::string::npos);
}

TEST(SecretBoxTest, ProviderRecordsHoldTheTokenSealedAndRefuseTampering) {
  auto b = box();
  Provider p = testing::sampleProvider("provider-a", "org-1", 1000);
  p.authToken = kToken;
  std::string record = codec::encode(p, b.get());
  EXPECT_EQ(codec::providerFormat(record), codec::kSealedProviderFormat);
  EXPECT_EQ(record.find(kToken), std::string::npos);
  EXPECT_EQ(codec::decodeProvider(record, b.get()), p);
  EXPECT_THROW(codec::decodeProvider(record, nullptr), SecretError);

  // A byte of the sealed token changed (it follows id, org, name, type and account).
  std::string tampered = record;
  size_t at = record.find(p.accountSid) + p.accountSid.size() + 4 + 20;
  tampered[at] = static_cast<char>(tampered[at] ^ 0x80);
  EXPECT_THROW(codec::decodeProvider(tampered, b.get()), SecretError);

  // provider-a's sealed token spliced into provider-b's record: refused. The same splice
  // into provider-a's own record decodes, so the refusal is the associated data's doing.
  std::string sealedToken = b->seal(kToken, "gatewayd provider auth token\nprovider-a");
  Provider other = p;
  other.id = "provider-b";
  EXPECT_EQ(codec::decodeProvider(withSealedToken(p, sealedToken), b.get()), p);
  EXPECT_THROW(codec::decodeProvider(withSealedToken(other, sealedToken), b.get()), SecretError);
}

// What needs no secret (ids, trunks, addresses, read every few seconds by the cluster's
// leader, the verification rounds and the SIP directory) is read without opening the token:
// no decryption, and no key needed.
TEST(SecretBoxTest, ProviderRecordsReadWithoutTheTokenNeedNoKey) {
  auto b = box();
  Provider p = testing::sampleProvider("provider-a", "org-1", 1000);
  p.authToken = kToken;
  const std::string record = codec::encode(p, b.get());
  Provider expected = p;
  expected.authToken.clear();
  EXPECT_EQ(codec::decodeProviderWithoutToken(record), expected);
  EXPECT_EQ(codec::decodeProviderWithoutToken(codec::encode(p)), expected);  // clear text

  TempDir dir;
  StoreOptions sealed{size_t{16} << 20, false};
  sealed.secrets = b;
  {
    auto store = Store::open(dir.path(), sealed);
    auto txn = store->write();
    store->putProvider(txn, p);
    txn.commit();
  }
  auto keyless = Store::open(dir.path(), StoreOptions{size_t{16} << 20, false});
  EXPECT_THROW(keyless->listAllProviders(keyless->read()), SecretError);
  auto listed = keyless->listAllProvidersWithoutTokens(keyless->read());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], expected);
}

TEST(SecretBoxTest, KeyFileIsCreatedPrivateAndReadBack) {
  TempDir dir;
  std::string path = dir.sub("master-key");
  auto created = loadKeyFile(path, true);
  ASSERT_TRUE(created) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = loadKeyFile(path, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *created);
  EXPECT_EQ(again->begin()->first, 1u);
}

TEST(SecretBoxTest, KeyFileErrorsNameTheFileAndTheProblem) {
  TempDir dir;
  auto missing = loadKeyFile(dir.sub("none"), false);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);

  std::string path = dir.sub("bad");
  std::ofstream(path) << "1 abcd\n";
  auto bad = loadKeyFile(path, false);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 1"), std::string::npos) << bad.error().message;

  std::ofstream(path) << "# nothing\n";
  EXPECT_FALSE(loadKeyFile(path, false));
}

// tests/store/data/schema_v2 holds three providers with clear-text tokens (format 1).
TEST(SecretBoxTest, OpeningAClearTextStoreWithAKeySealsEveryToken) {
  TempDir dir;
  std::filesystem::copy_file(GW_SOURCE_DIR "/tests/store/data/schema_v2/data.mdb",
                             dir.sub("data.mdb"));
  auto b = box();
  {
    StoreOptions o;
    o.secrets = b;
    auto db = Store::open(dir.path(), o);
    auto txn = db->read();
    for (const char* id : {"provider-a", "provider-b", "provider-c"}) {
      auto p = db->getProvider(txn, id);
      ASSERT_TRUE(p) << id;
      EXPECT_EQ(p->authToken, kSchemaV2Token) << id;
    }
  }
  // On disk, read without the Store: every record is sealed, none holds the token.
  lmdb::Env env(dir.path(), {size_t{64} << 20, kMaxDbs, MDB_NOTLS});
  lmdb::Txn txn(env.get(), lmdb::Txn::Mode::kRead);
  auto providers = lmdb::Dbi::open(txn.get(), kProvidersDb, 0);
  for (const char* id : {"provider-a", "provider-b", "provider-c"}) {
    auto v = providers.get(txn.get(), id);
    ASSERT_TRUE(v) << id;
    EXPECT_EQ(codec::providerFormat(*v), codec::kSealedProviderFormat) << id;
    EXPECT_EQ(v->find(kSchemaV2Token), std::string::npos) << id;
  }
}

TEST(SecretBoxTest, OpeningWithAnotherKeyFailsAtOpen) {
  TempDir dir;
  {
    StoreOptions o;
    o.secrets = box();
    auto db = Store::open(dir.path(), o);
    auto txn = db->write();
    Provider p = testing::sampleProvider("provider-a", "org-1", 1000);
    db->putProvider(txn, p);
    txn.commit();
  }
  StoreOptions o;
  o.secrets = box();
  EXPECT_THROW(Store::open(dir.path(), o), SecretError);
}

TEST(SecretBoxTest, ResealMovesEveryTokenToTheCurrentKey) {
  TempDir dir;
  auto k1 = SecretBox::generateKey();
  Provider p = testing::sampleProvider("provider-a", "org-1", 1000);
  {
    StoreOptions o;
    o.secrets = std::make_shared<SecretBox>(std::map<uint32_t, SecretBox::Key>{{1, k1}});
    auto db = Store::open(dir.path(), o);
    auto txn = db->write();
    db->putProvider(txn, p);
    txn.commit();
  }
  auto k2 = SecretBox::generateKey();
  {
    StoreOptions o;
    o.secrets = std::make_shared<SecretBox>(std::map<uint32_t, SecretBox::Key>{{1, k1}, {2, k2}});
    auto db = Store::open(dir.path(), o);
    auto txn = db->write();
    EXPECT_EQ(db->resealProviderTokens(txn), 1u);
    txn.commit();
  }
  StoreOptions o;
  o.secrets = std::make_shared<SecretBox>(std::map<uint32_t, SecretBox::Key>{{2, k2}});
  auto db = Store::open(dir.path(), o);
  EXPECT_EQ(db->getProvider(db->read(), "provider-a"), p);
}

}  // namespace
}  // namespace gw::store
