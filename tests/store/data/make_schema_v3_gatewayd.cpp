// Writes tests/store/data/schema_v3_gatewayd/data.mdb with the schema version 3 store: records
// as gatewayd itself wrote them (UUID ids, as the admin API makes them), for the test that
// starts the real gatewayd on an old data directory (tests/integration/migration_test.cpp).
// Not part of the build: it is kept to show how the file was made. Build it against store/
// at commit 11dc82d (the last schema 3 store), e.g. from `git archive 11dc82d store common |
// tar -x`, then
//   g++ -std=c++20 -O1 -I<src> make_schema_v3_gatewayd.cpp <src>/store/*.cpp
//       <src>/common/*.cpp -llmdb -lpthread -o make_schema_v3_gatewayd
//   ./make_schema_v3_gatewayd <scratch dir> <output dir>
// The contents are described in README.md.
#include <lmdb.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/store.hpp"

namespace {

using gw::store::Agent;
using gw::store::PhoneNumber;
using gw::store::Provider;
using gw::store::Store;

constexpr char kProviderA[] = "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";
constexpr char kProviderB[] = "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
constexpr char kAgent[] = "a9e8d7c6-b5a4-4392-8170-6f5e4d3c2b1a";

Provider provider(const std::string& id, const std::string& org, const std::string& name,
                  int account, int64_t createdMs) {
  char sid[40];
  Provider p;
  p.id = id;
  p.orgId = org;
  p.name = name;
  std::snprintf(sid, sizeof sid, "AC%032d", account);
  p.accountSid = sid;
  std::snprintf(sid, sizeof sid, "%032d", account + 1);
  p.authToken = sid;  // schema 3 kept it in plain text
  p.region = "ie1";
  std::snprintf(sid, sizeof sid, "TK%032d", account + 2);
  p.trunkSid = sid;
  p.trunkCreatedByGateway = true;
  std::snprintf(sid, sizeof sid, "OU%032d", account + 3);
  p.originationUrlSid = sid;
  p.terminationUri = "gw-test-" + std::to_string(account) + ".pstn.twilio.com";
  p.allowedAddresses = gw::store::defaultAllowedAddresses();
  p.createdMs = createdMs;
  p.updatedMs = createdMs + 1;
  p.lastVerifiedMs = createdMs + 2;
  return p;
}

PhoneNumber number(int i, const std::string& providerId, const std::string& org,
                   const std::string& agent) {
  char text[40];
  PhoneNumber n;
  std::snprintf(text, sizeof text, "11111111-2222-4333-8444-5555555555%02d", i);
  n.id = text;
  n.orgId = org;
  n.providerId = providerId;
  std::snprintf(text, sizeof text, "PN%032d", i);
  n.phoneNumberSid = text;
  n.phoneNumber = "+1415555010" + std::to_string(i);
  n.displayName = "(415) 555-010" + std::to_string(i);
  n.description = "desk " + std::to_string(i);
  n.incomingCallsAgentId = agent;
  n.createdMs = 3000 + i;
  n.updatedMs = 4000 + i;
  return n;
}

int check(int rc, const char* what) {
  if (rc != MDB_SUCCESS) {
    std::fprintf(stderr, "%s: %s\n", what, mdb_strerror(rc));
    std::exit(1);
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <scratch dir> <output dir>\n", argv[0]);
    return 2;
  }
  {
    auto store = Store::open(argv[1]);
    if (store->schemaVersion() != 3) {
      std::fprintf(stderr, "this store writes schema %u, not 3\n", store->schemaVersion());
      return 1;
    }
    auto txn = store->write();
    Provider a = provider(kProviderA, "default", "Alpha", 10, 2000);
    a.allowedAddresses = {"127.0.0.1/32"};
    store->putProvider(txn, a);
    store->putProvider(txn, provider(kProviderB, "org-2", "Bravo", 20, 1000));
    Agent desk;
    desk.id = kAgent;
    desk.orgId = "default";
    desk.name = "Front desk";
    desk.sipUri = "sip:desk@192.0.2.10:5070";
    desk.mode = "redirect";
    desk.createdMs = 6000;
    desk.updatedMs = 6001;
    store->putAgent(txn, desk);
    store->insertNumber(txn, number(2, kProviderA, "default", ""));
    store->insertNumber(txn, number(1, kProviderA, "default", kAgent));
    store->insertNumber(txn, number(3, kProviderB, "org-2", ""));
    txn.commit();
  }
  MDB_env* env = nullptr;
  check(mdb_env_create(&env), "create");
  check(mdb_env_set_maxdbs(env, 16), "maxdbs");
  check(mdb_env_open(env, argv[1], MDB_RDONLY, 0644), "open");
  check(mdb_env_copy2(env, argv[2], MDB_CP_COMPACT), "copy");
  mdb_env_close(env);
  return 0;
}
