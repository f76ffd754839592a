// Writes tests/store/data/schema_v4/data.mdb with the schema version 4 store. Not part of the
// build: it is kept to show how the file was made. Build it against store/ at commit 693aa8e
// (the last schema 4 store), e.g. from `git archive 693aa8e | tar -x` configured with
// -DGW_BUILD_TESTS=OFF -DGW_BUILD_BENCH=OFF and `--target gw_store`, then
//   g++ -std=c++20 -I<src> make_schema_v4.cpp <build>/lib/libgw_store.a
//       <build>/lib/libgw_common.a -llmdb -lcrypto -lspdlog -lfmt -o make_schema_v4
//   ./make_schema_v4 <scratch dir> <output dir>
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

Provider provider(const std::string& id, const std::string& org, const std::string& name,
                  int64_t createdMs) {
  Provider p;
  p.id = id;
  p.orgId = org;
  p.name = name;
  p.accountSid = "AC00000000000000000000000000000001";
  p.authToken = "00000000000000000000000000000002";
  p.region = "ie1";
  p.supportsCallTransfer = true;
  p.trunkSid = "TK00000000000000000000000000000003";
  p.trunkCreatedByGateway = true;
  p.originationUrlSid = "OU00000000000000000000000000000004";
  p.terminationUri = "gw-test.pstn.twilio.com";
  p.createdMs = createdMs;
  p.updatedMs = createdMs + 1;
  p.lastVerifiedMs = createdMs + 2;
  return p;
}

PhoneNumber number(int i, const std::string& providerId, const std::string& org,
                   const std::string& agent) {
  char sid[40];
  std::snprintf(sid, sizeof sid, "PN%032d", i);
  PhoneNumber n;
  n.id = "number-" + std::to_string(i);
  n.orgId = org;
  n.providerId = providerId;
  n.phoneNumberSid = sid;
  n.phoneNumber = "+1415555010" + std::to_string(i);
  n.displayName = "(415) 555-010" + std::to_string(i);
  n.description = "desk " + std::to_string(i);
  n.incomingCallsAgentId = agent;
  n.createdMs = 3000 + i;
  n.updatedMs = 4000 + i;
  return n;
}

Agent agent(const std::string& id, const std::string& org, int64_t createdMs) {
  Agent a;
  a.id = id;
  a.orgId = org;
  a.name = "Desk " + id;
  a.sipUri = "sip:" + id + "@pbx.example.com";
  a.createdMs = createdMs;
  a.updatedMs = createdMs + 1;
  return a;
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
    if (store->schemaVersion() != 4) {
      std::fprintf(stderr, "this store writes schema %u, not 4\n", store->schemaVersion());
      return 1;
    }
    auto txn = store->write();
    store->putProvider(txn, provider("provider-a", "org-1", "Alpha", 2000));
    store->putProvider(txn, provider("provider-b", "org-1", "Bravo", 1000));
    store->putProvider(txn, provider("provider-c", "org-2", "Charlie", 1500));
    store->putAgent(txn, agent("agent-7", "org-1", 6000));
    store->putAgent(txn, agent("agent-8", "org-1", 6100));
    store->putAgent(txn, agent("agent-9", "org-2", 6200));
    store->insertNumber(txn, number(4, "provider-a", "org-1", ""));
    store->insertNumber(txn, number(1, "provider-a", "org-1", ""));
    store->insertNumber(txn, number(3, "provider-a", "org-1", "agent-7"));
    store->insertNumber(txn, number(2, "provider-b", "org-1", "agent-8"));
    store->insertNumber(txn, number(5, "provider-c", "org-2", "agent-9"));
    store->insertNumber(txn, number(6, "provider-a", "org-1", "agent-7"));
    // An import of provider-a in flight: two SIDs attached and not stored.
    store->journalAttachments(
        txn, "provider-a",
        {"PN00000000000000000000000000000007", "PN00000000000000000000000000000008"});
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
