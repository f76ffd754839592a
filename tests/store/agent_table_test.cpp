// Agents, their org index and the numbers_by_agent index, through the Store API.
#include "store/agent_table.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/codec.hpp"
#include "tests/store/store_fixture.hpp"

namespace gw::store {
namespace {

using testing::sampleAgent;
using testing::sampleNumber;
using testing::sampleProvider;

class AgentTableTest : public testing::StoreFixture {
 protected:
  std::vector<std::string> agentIds(const std::vector<Agent>& agents) {
    std::vector<std::string> ids;
    for (const auto& a : agents) ids.push_back(a.id);
    return ids;
  }
  std::vector<std::string> listed(std::string_view org) {
    return agentIds(store_->listAgents(store_->read(), org));
  }
  std::vector<std::string> linked(std::string_view agentId) {
    auto txn = store_->read();
    auto ids = store_->numbersLinkedToAgent(txn, agentId);
    EXPECT_EQ(store_->countNumbersLinkedToAgent(txn, agentId), ids.size()) << agentId;
    return ids;
  }
  void update(const PhoneNumber& n) {
    auto txn = store_->write();
    store_->updateNumber(txn, n);
    txn.commit();
  }
  static PhoneNumber linkedNumber(int i, const std::string& agentId,
                                  const std::string& org = "org-1") {
    auto n = sampleNumber(i, "p1", org);
    n.incomingCallsAgentId = agentId;
    return n;
  }
  using Ids = std::vector<std::string>;
};

// --- records and the org index ---

TEST_F(AgentTableTest, RoundTripsEveryFieldAcrossReopen) {
  auto a = sampleAgent("a1");
  a.outboundPhoneNumberId = "n1";
  putAgents({a});
  reopen();
  auto txn = store_->read();
  EXPECT_EQ(store_->getAgent(txn, "a1"), a);
  EXPECT_FALSE(store_->getAgent(txn, "a2"));
  EXPECT_FALSE(store_->getAgent(txn, ""));
  EXPECT_FALSE(store_->getAgent(txn, std::string(1000, 'a')));
}

TEST_F(AgentTableTest, ListsAnOrgsAgentsByCreationThenId) {
  putAgents({sampleAgent("c", "org-1", 5), sampleAgent("b", "org-1", -1),
             sampleAgent("x", "org-2", 0), sampleAgent("d", "org-1", 1 << 20),
             sampleAgent("a", "org-1", 5)});
  EXPECT_EQ(listed("org-1"), (Ids{"b", "a", "c", "d"}));
  EXPECT_EQ(listed("org-2"), (Ids{"x"}));
  EXPECT_TRUE(listed("org-3").empty());
  EXPECT_TRUE(listed("").empty());
  EXPECT_TRUE(listed("org").empty());  // a prefix of real org ids
}

TEST_F(AgentTableTest, ReplacedAgentIsListedOnceWhereItNowBelongs) {
  putAgents({sampleAgent("a", "org-1", 5), sampleAgent("b", "org-1", 7)});
  auto moved = sampleAgent("a", "org-1", 9);
  moved.name = "renamed";
  moved.mode = "proxy";
  putAgents({moved});
  auto list = store_->listAgents(store_->read(), "org-1");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "b");
  EXPECT_EQ(list[1], moved);

  putAgents({sampleAgent("a", "org-2", 9)});
  EXPECT_EQ(listed("org-1"), (Ids{"b"}));
  EXPECT_EQ(listed("org-2"), (Ids{"a"}));
  EXPECT_EQ(store_->listAllAgents(store_->read()).size(), 2u);
}

TEST_F(AgentTableTest, ListsEveryOrgsAgentsAndProvidersInIdOrder) {
  putAgents(
      {sampleAgent("b", "org-2", 1), sampleAgent("c", "org-1", 0), sampleAgent("a", "org-3", 2)});
  put({sampleProvider("p2", "org-1"), sampleProvider("p1", "org-2"), sampleProvider("p3")});
  auto txn = store_->read();
  EXPECT_EQ(agentIds(store_->listAllAgents(txn)), (Ids{"a", "b", "c"}));
  EXPECT_EQ(store_->listAllAgents(txn)[1], sampleAgent("b", "org-2", 1));
  auto providers = store_->listAllProviders(txn);
  ASSERT_EQ(providers.size(), 3u);
  EXPECT_EQ(providers[0], sampleProvider("p1", "org-2"));
  EXPECT_EQ(providers[1].id, "p2");
  EXPECT_EQ(providers[2].id, "p3");
}

TEST_F(AgentTableTest, EmptyStoreListsNothing) {
  auto txn = store_->read();
  EXPECT_TRUE(store_->listAllAgents(txn).empty());
  EXPECT_TRUE(store_->listAllProviders(txn).empty());
  EXPECT_TRUE(store_->numbersLinkedToAgent(txn, "a").empty());
  EXPECT_EQ(store_->countNumbersLinkedToAgent(txn, "a"), 0u);
  EXPECT_EQ(store_->countNumbersLinkedToAgent(txn, ""), 0u);
  EXPECT_TRUE(store_->agentsUsingNumber(txn, sampleNumber(1)).empty());
}

TEST_F(AgentTableTest, DeleteRemovesRecordAndOrgEntry) {
  putAgents({sampleAgent("a", "org-1", 1), sampleAgent("b", "org-1", 2)});
  {
    auto txn = store_->write();
    EXPECT_TRUE(store_->deleteAgent(txn, "a"));
    EXPECT_FALSE(store_->deleteAgent(txn, "a"));
    EXPECT_FALSE(store_->deleteAgent(txn, "never-stored"));
    EXPECT_FALSE(store_->deleteAgent(txn, ""));
    txn.commit();
  }
  reopen();
  auto txn = store_->read();
  EXPECT_FALSE(store_->getAgent(txn, "a"));
  EXPECT_EQ(listed("org-1"), (Ids{"b"}));
  EXPECT_EQ(agentIds(store_->listAllAgents(txn)), (Ids{"b"}));
}

TEST_F(AgentTableTest, DeleteRefusesWhileNumbersAreLinkedThenSucceedsOnceUnlinked) {
  putAgents({sampleAgent("a")});
  insert({linkedNumber(1, "a"), linkedNumber(2, "a")});
  auto txn = store_->write();
  try {
    store_->deleteAgent(txn, "a");
    FAIL() << "an agent with linked numbers must not be deleted";
  } catch (const StoreError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("2 linked phone number"), std::string::npos) << msg;
  }
  EXPECT_TRUE(store_->getAgent(txn, "a"));
  EXPECT_EQ(store_->listAgents(txn, "org-1").size(), 1u);

  // The force path: unlink, then delete, in one transaction.
  for (const auto& id : store_->numbersLinkedToAgent(txn, "a")) {
    auto n = *store_->getNumber(txn, id);
    n.incomingCallsAgentId.clear();
    store_->updateNumber(txn, n);
  }
  EXPECT_TRUE(store_->deleteAgent(txn, "a"));
  txn.commit();
  EXPECT_FALSE(store_->getAgent(store_->read(), "a"));
  EXPECT_TRUE(linked("a").empty());
  EXPECT_EQ(store_->getNumber(store_->read(), "n1"), sampleNumber(1));
}

TEST_F(AgentTableTest, DeleteLeavesCallerIdNumbersAlone) {
  auto a = sampleAgent("a");
  a.outboundPhoneNumberId = "n1";
  putAgents({a});
  insert({sampleNumber(1)});
  {
    auto txn = store_->write();
    EXPECT_TRUE(store_->deleteAgent(txn, "a"));
    txn.commit();
  }
  EXPECT_EQ(store_->getNumber(store_->read(), "n1"), sampleNumber(1));
}

TEST_F(AgentTableTest, RefusesAgentWithoutStorableIdOrOrg) {
  auto txn = store_->write();
  EXPECT_THROW(store_->putAgent(txn, sampleAgent("")), StoreError);
  EXPECT_THROW(store_->putAgent(txn, sampleAgent("a", "")), StoreError);
  EXPECT_THROW(store_->putAgent(txn, sampleAgent(std::string(1000, 'a'))), StoreError);
  EXPECT_THROW(store_->putAgent(txn, sampleAgent("a", std::string(1000, 'o'))), StoreError);
  txn.commit();
  EXPECT_TRUE(store_->listAllAgents(store_->read()).empty());
}

TEST_F(AgentTableTest, UncommittedAgentWriteIsAborted) {
  {
    auto txn = store_->write();
    store_->putAgent(txn, sampleAgent("a"));
    store_->insertNumber(txn, linkedNumber(1, "a"));
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->getAgent(txn, "a"));
  EXPECT_TRUE(store_->listAgents(txn, "org-1").empty());
  EXPECT_TRUE(store_->numbersLinkedToAgent(txn, "a").empty());
}

TEST_F(AgentTableTest, ReadsInsideWriteTxnSeeItsOwnWrites) {
  auto txn = store_->write();
  auto a = sampleAgent("a");
  a.outboundPhoneNumberId = "n2";
  store_->putAgent(txn, a);
  store_->insertNumber(txn, linkedNumber(1, "a"));
  store_->insertNumber(txn, sampleNumber(2));
  EXPECT_EQ(store_->getAgent(txn, "a"), a);
  EXPECT_EQ(store_->listAgents(txn, "org-1"), std::vector{a});
  EXPECT_EQ(store_->listAllAgents(txn), std::vector{a});
  EXPECT_EQ(store_->numbersLinkedToAgent(txn, "a"), (Ids{"n1"}));
  EXPECT_EQ(store_->countNumbersLinkedToAgent(txn, "a"), 1u);
  EXPECT_EQ(store_->agentsUsingNumber(txn, *store_->getNumber(txn, "n1")), std::vector{a});
  EXPECT_EQ(store_->agentsUsingNumber(txn, *store_->getNumber(txn, "n2")), std::vector{a});
  store_->putProvider(txn, sampleProvider("p1"));
  EXPECT_EQ(store_->listAllProviders(txn), std::vector{sampleProvider("p1")});
}

// --- numbers_by_agent ---

TEST_F(AgentTableTest, ListsLinkedNumbersInIdOrder) {
  // Inserted out of id order; ids sort as strings ("n10" < "n2").
  insert({linkedNumber(3, "a"), linkedNumber(10, "a"), linkedNumber(2, "a"), linkedNumber(4, "b"),
          sampleNumber(5), linkedNumber(6, "a", "org-2")});
  EXPECT_EQ(linked("a"), (Ids{"n10", "n2", "n3", "n6"}));
  EXPECT_EQ(linked("b"), (Ids{"n4"}));
  EXPECT_TRUE(linked("c").empty());
  EXPECT_TRUE(linked("").empty());
  reopen();
  EXPECT_EQ(linked("a"), (Ids{"n10", "n2", "n3", "n6"}));
}

TEST_F(AgentTableTest, UpdateFollowsAChangeOfAgent) {
  insert({linkedNumber(1, "a"), linkedNumber(2, "a")});

  update(linkedNumber(1, "b"));  // relink
  EXPECT_EQ(linked("a"), (Ids{"n2"}));
  EXPECT_EQ(linked("b"), (Ids{"n1"}));

  auto renamed = linkedNumber(1, "b");
  renamed.description = "renamed";
  renamed.phoneNumber = "+19995550001";
  renamed.providerId = "p2";
  update(renamed);  // other fields change, the link stays
  EXPECT_EQ(linked("b"), (Ids{"n1"}));

  update(sampleNumber(2));  // unlink
  EXPECT_TRUE(linked("a").empty());

  update(linkedNumber(2, "c"));  // link an unlinked number
  EXPECT_EQ(linked("c"), (Ids{"n2"}));
  EXPECT_EQ(linked("b"), (Ids{"n1"}));
}

TEST_F(AgentTableTest, RefusedUpdateKeepsTheOldLink) {
  insert({linkedNumber(1, "a"), sampleNumber(2)});
  auto clash = linkedNumber(1, "b");
  clash.phoneNumber = sampleNumber(2).phoneNumber;
  {
    auto txn = store_->write();
    EXPECT_THROW(store_->updateNumber(txn, clash), StoreError);
    txn.commit();
  }
  EXPECT_EQ(linked("a"), (Ids{"n1"}));
  EXPECT_TRUE(linked("b").empty());
}

TEST_F(AgentTableTest, DeleteOfANumberRemovesItsLink) {
  insert({linkedNumber(1, "a"), linkedNumber(2, "a")});
  {
    auto txn = store_->write();
    EXPECT_TRUE(store_->deleteNumber(txn, "n1"));
    txn.commit();
  }
  EXPECT_EQ(linked("a"), (Ids{"n2"}));
}

TEST_F(AgentTableTest, RefusedInsertAddsNoLink) {
  insert({sampleNumber(1)});
  auto duplicate = linkedNumber(1, "a");
  duplicate.id = "other";
  {
    auto txn = store_->write();
    EXPECT_THROW(store_->insertNumber(txn, duplicate), StoreError);
    auto overlong = linkedNumber(2, std::string(1000, 'a'));
    EXPECT_THROW(store_->insertNumber(txn, overlong), StoreError);
    EXPECT_FALSE(store_->getNumber(txn, "n2"));
    txn.commit();
  }
  EXPECT_TRUE(linked("a").empty());
}

// --- agentsUsingNumber ---

TEST_F(AgentTableTest, FindsTheAgentsUsingANumberInboundAndAsCallerId) {
  auto inbound = sampleAgent("in", "org-1", 3);
  auto callerId = sampleAgent("out", "org-1", 1);
  callerId.outboundPhoneNumberId = "n1";
  auto both = sampleAgent("both", "org-1", 2);
  both.outboundPhoneNumberId = "n2";
  auto third = sampleAgent("none", "org-1", 0);
  third.outboundPhoneNumberId = "n3";
  putAgents({inbound, callerId, both, third});
  insert({linkedNumber(1, "in"), linkedNumber(2, "both"), sampleNumber(3), sampleNumber(4)});

  auto txn = store_->read();
  auto n1 = *store_->getNumber(txn, "n1");
  EXPECT_EQ(store_->agentsUsingNumber(txn, n1), (std::vector{callerId, inbound}));
  EXPECT_EQ(store_->agentsUsingNumber(txn, *store_->getNumber(txn, "n2")), std::vector{both});
  EXPECT_EQ(store_->agentsUsingNumber(txn, *store_->getNumber(txn, "n3")), std::vector{third});
  EXPECT_TRUE(store_->agentsUsingNumber(txn, *store_->getNumber(txn, "n4")).empty());
  // A link to an agent that is not stored names no one.
  EXPECT_TRUE(store_->agentsUsingNumber(txn, linkedNumber(4, "ghost")).empty());
}

TEST_F(AgentTableTest, OtherOrgsAgentsAreInvisible) {
  // Org 2's agents claim org 1's number by id and by caller ID; org 1 has its own agent.
  auto foreignInbound = sampleAgent("shared", "org-2", 1);
  auto foreignCallerId = sampleAgent("x", "org-2", 2);
  foreignCallerId.outboundPhoneNumberId = "n1";
  auto own = sampleAgent("own", "org-1", 3);
  own.outboundPhoneNumberId = "n1";
  putAgents({foreignInbound, foreignCallerId, own});
  insert({linkedNumber(1, "shared")});

  auto txn = store_->read();
  EXPECT_EQ(store_->agentsUsingNumber(txn, *store_->getNumber(txn, "n1")), std::vector{own});
  EXPECT_EQ(listed("org-1"), (Ids{"own"}));
  EXPECT_EQ(listed("org-2"), (Ids{"shared", "x"}));
}

// --- damaged records ---

TEST_F(AgentTableTest, UnknownOrTruncatedAgentRecordIsAnError) {
  putAgents({sampleAgent("a")});
  std::string bytes = codec::encode(sampleAgent("a"));
  bytes[0] = 9;
  putRaw(kAgentsDb, "a", bytes);
  try {
    store_->getAgent(store_->read(), "a");
    FAIL() << "an agent record of an unknown format must not be read";
  } catch (const StoreError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("agent record has format 9"), std::string::npos) << msg;
  }
  EXPECT_THROW(store_->listAgents(store_->read(), "org-1"), StoreError);
  EXPECT_THROW(store_->listAllAgents(store_->read()), StoreError);

  putRaw(kAgentsDb, "a", codec::encode(sampleAgent("a")).substr(0, 10));
  EXPECT_THROW(store_->getAgent(store_->read(), "a"), StoreError);
}

TEST_F(AgentTableTest, OrgIndexNamingAMissingAgentIsAnError) {
  putAgents({sampleAgent("a")});
  store_.reset();
  {
    lmdb::Env env(dir_.path(), {options().mapSizeBytes, kMaxDbs, MDB_NOTLS});
    lmdb::Txn txn(env.get(), lmdb::Txn::Mode::kWrite);
    lmdb::Dbi::open(txn.get(), kAgentsDb, 0).del(txn.get(), "a");
    txn.commit();
  }
  reopen();
  try {
    store_->listAgents(store_->read(), "org-1");
    FAIL() << "a dangling agents_by_org entry must be reported";
  } catch (const StoreError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("agents_by_org"), std::string::npos) << msg;
    EXPECT_NE(msg.find("damaged"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace gw::store
