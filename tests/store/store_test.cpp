#include "store/store.hpp"

#include <algorithm>
#include <thread>
#include <type_traits>

#include <gtest/gtest.h>

#include "tests/store/store_fixture.hpp"

namespace gw::store {
namespace {

using testing::sampleNumber;
using testing::sampleProvider;
using testing::sampleSid;

class StoreTest : public testing::StoreFixture {
 protected:
  // A refused insert must leave the rest of the batch intact: the transaction goes on and
  // commits, and nothing of the refused number reaches any index.
  void expectRefused(const PhoneNumber& duplicate) {
    insert({sampleNumber(1)});
    {
      auto txn = store_->write();
      store_->insertNumber(txn, sampleNumber(8));
      EXPECT_THROW(store_->insertNumber(txn, duplicate), StoreError);
      store_->insertNumber(txn, sampleNumber(9));
      txn.commit();
    }
    auto txn = store_->read();
    EXPECT_EQ(store_->getNumber(txn, "n1"), sampleNumber(1));
    EXPECT_EQ(store_->findNumberBySid(txn, sampleSid(1)), sampleNumber(1));
    EXPECT_EQ(store_->findNumberByE164(txn, sampleNumber(1).phoneNumber), sampleNumber(1));
    if (duplicate.id != "n1") {
      EXPECT_FALSE(store_->getNumber(txn, duplicate.id));
    }
    EXPECT_FALSE(store_->findNumberBySid(txn, sampleSid(2)));
    EXPECT_FALSE(store_->findNumberByE164(txn, sampleNumber(2).phoneNumber));
    EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 3u);
    EXPECT_EQ(store_->countNumbersOfProvider(txn, "other"), 0u);
    EXPECT_EQ(store_->listNumbers(txn, {"org-1"}, 0, 10).totalCount, 3u);
    EXPECT_EQ(store_->listNumbers(txn, {"other-org"}, 0, 10).totalCount, 0u);
  }
  // Number 2 on another provider and org, with one key taken from number 1.
  static PhoneNumber second() { return sampleNumber(2, "other", "other-org"); }
};

// --- transactions ---

TEST_F(StoreTest, UncommittedWriteIsAbortedOnDestruction) {
  {
    auto txn = store_->write();
    store_->putProvider(txn, sampleProvider("p1"));
    store_->insertNumber(txn, sampleNumber(1));
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->getProvider(txn, "p1"));
  EXPECT_FALSE(store_->getNumber(txn, "n1"));
  EXPECT_FALSE(store_->findNumberBySid(txn, sampleSid(1)));
  EXPECT_FALSE(store_->findNumberByE164(txn, sampleNumber(1).phoneNumber));
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 0u);
  EXPECT_EQ(store_->listNumbers(txn, {"org-1"}, 0, 10).totalCount, 0u);
}

TEST_F(StoreTest, CommitPersistsAcrossReopen) {
  put({sampleProvider("p1")});
  insert({sampleNumber(1), sampleNumber(2)});
  reopen();
  auto txn = store_->read();
  EXPECT_EQ(store_->getProvider(txn, "p1"), sampleProvider("p1"));
  EXPECT_EQ(store_->getNumber(txn, "n2"), sampleNumber(2));
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 2u);
}

TEST_F(StoreTest, CommittedTransactionCannotBeUsedAgain) {
  auto txn = store_->write();
  txn.commit();
  EXPECT_THROW(txn.commit(), StoreError);
  EXPECT_THROW(store_->insertNumber(txn, sampleNumber(1)), StoreError);
  EXPECT_THROW(store_->getNumber(txn, "n1"), StoreError);
}

TEST_F(StoreTest, MovedTransactionKeepsItsWrites) {
  auto first = store_->write();
  store_->insertNumber(first, sampleNumber(1));
  WriteTxn second(std::move(first));
  store_->insertNumber(second, sampleNumber(2));
  EXPECT_THROW(first.commit(), StoreError);  // NOLINT(bugprone-use-after-move): on purpose
  second.commit();
  auto txn = store_->read();
  EXPECT_TRUE(store_->getNumber(txn, "n1"));
  EXPECT_TRUE(store_->getNumber(txn, "n2"));
}

TEST_F(StoreTest, SecondWriteOnOneThreadThrowsInsteadOfWaitingForever) {
  auto first = store_->write();
  store_->insertNumber(first, sampleNumber(1));
  EXPECT_THROW(store_->write(), StoreError);
  first.commit();
  auto second = store_->write();  // the first is finished though still in scope
  store_->insertNumber(second, sampleNumber(2));
  second.commit();
  EXPECT_EQ(store_->listNumbers(store_->read(), {"org-1"}, 0, 10).totalCount, 2u);
}

TEST_F(StoreTest, WriterOnAnotherThreadIsWaitedFor) {
  auto first = store_->write();
  store_->insertNumber(first, sampleNumber(1));
  std::thread other([this] {
    auto txn = store_->write();  // waits until the main thread commits
    EXPECT_TRUE(store_->getNumber(txn, "n1"));
    store_->insertNumber(txn, sampleNumber(2));
    txn.commit();
  });
  first.commit();
  other.join();
  EXPECT_EQ(store_->listNumbers(store_->read(), {"org-1"}, 0, 10).totalCount, 2u);
  auto again = store_->write();  // neither thread's writer is remembered any more
}

TEST_F(StoreTest, ReadTxnSeesTheSnapshotItStartedWith) {
  insert({sampleNumber(1)});
  auto before = store_->read();
  insert({sampleNumber(2)});
  EXPECT_FALSE(store_->getNumber(before, "n2"));
  EXPECT_TRUE(store_->getNumber(store_->read(), "n2"));
}

TEST_F(StoreTest, ReadTxnsAreNotTiedToThreads) {
  insert({sampleNumber(1)});
  // Two read transactions at once on one thread, one of them finished on another thread:
  // both need MDB_NOTLS.
  auto a = store_->read();
  auto b = store_->read();
  EXPECT_TRUE(store_->getNumber(a, "n1"));
  EXPECT_TRUE(store_->getNumber(b, "n1"));
  std::thread([txn = std::move(a), this]() mutable {
    EXPECT_TRUE(store_->getNumber(txn, "n1"));
  }).join();
}

TEST_F(StoreTest, ReadsInsideWriteTxnSeeItsOwnWrites) {
  put({sampleProvider("p1")});
  auto txn = store_->write();
  store_->insertNumber(txn, sampleNumber(1));
  EXPECT_TRUE(store_->getProvider(txn, "p1"));
  EXPECT_EQ(store_->getNumber(txn, "n1"), sampleNumber(1));
  EXPECT_TRUE(store_->findNumberBySid(txn, sampleSid(1)));
  EXPECT_TRUE(store_->findNumberByE164(txn, sampleNumber(1).phoneNumber));
  EXPECT_EQ(store_->listNumbersOfProvider(txn, "p1").size(), 1u);
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 1u);
  EXPECT_EQ(store_->listProviders(txn, "org-1").size(), 1u);
  EXPECT_EQ(store_->listNumbers(txn, {"org-1"}, 0, 10).totalCount, 1u);
  size_t seen = 0;
  store_->forEachNumber(txn, [&](const PhoneNumber&) { ++seen; });
  EXPECT_EQ(seen, 1u);
}

// What code taking any ReadView (not a transaction type) reads of the number n1 and of
// provider p1's journal.
struct Seen {
  bool number = false;
  size_t journaled = 0;
  size_t providersWithJournal = 0;
};
Seen seenThrough(const Store& store, const ReadView& view) {
  return {store.getNumber(view, "n1").has_value(), store.journaledAttachments(view, "p1").size(),
          store.providersWithJournal(view).size()};
}

TEST_F(StoreTest, WriteTxnAsReadViewSeesItsOwnUncommittedWrites) {
  static_assert(std::is_base_of_v<ReadView, ReadTxn> && std::is_base_of_v<ReadView, WriteTxn>);
  static_assert(!std::is_copy_constructible_v<ReadView>);
  auto before = store_->read();
  auto txn = store_->write();
  store_->insertNumber(txn, sampleNumber(1));
  store_->journalAttachments(txn, "p1", {sampleSid(2), sampleSid(3)});
  Seen inside = seenThrough(*store_, txn);
  EXPECT_TRUE(inside.number);
  EXPECT_EQ(inside.journaled, 2u);
  EXPECT_EQ(inside.providersWithJournal, 1u);
  // Other readers see none of it until the commit, and a snapshot never does.
  Seen outside = seenThrough(*store_, store_->read());
  EXPECT_FALSE(outside.number);
  EXPECT_EQ(outside.journaled, 0u);
  txn.commit();
  EXPECT_TRUE(seenThrough(*store_, store_->read()).number);
  EXPECT_FALSE(seenThrough(*store_, before).number);
}

TEST_F(StoreTest, MovedFromTransactionCannotBeReadThrough) {
  insert({sampleNumber(1)});
  auto first = store_->read();
  ReadTxn second(std::move(first));
  auto writer = store_->write();
  WriteTxn moved(std::move(writer));
  EXPECT_TRUE(store_->getNumber(second, "n1"));
  EXPECT_TRUE(store_->getNumber(moved, "n1"));
  // NOLINTBEGIN(bugprone-use-after-move): using the moved-from transactions is the point
  EXPECT_THROW(store_->getNumber(first, "n1"), StoreError);
  EXPECT_THROW(store_->getNumber(writer, "n1"), StoreError);
  EXPECT_THROW(store_->insertNumber(writer, sampleNumber(2)), StoreError);
  // NOLINTEND(bugprone-use-after-move)
}

// --- providers ---

TEST_F(StoreTest, ProviderRoundTripsEveryField) {
  put({sampleProvider("p1")});
  reopen();
  auto txn = store_->read();
  EXPECT_EQ(store_->getProvider(txn, "p1"), sampleProvider("p1"));
  EXPECT_FALSE(store_->getProvider(txn, "p2"));
  EXPECT_FALSE(store_->getProvider(txn, ""));
}

TEST_F(StoreTest, ListsProvidersOfOneOrgByCreation) {
  put({sampleProvider("a", "org-1", 5), sampleProvider("b", "org-1", -1),
       sampleProvider("c", "org-2", 0), sampleProvider("d", "org-1", 1 << 20)});
  auto txn = store_->read();
  std::vector<std::string> ids;
  for (const auto& p : store_->listProviders(txn, "org-1")) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "a", "d"}));
  EXPECT_EQ(store_->listProviders(txn, "org-2").size(), 1u);
  EXPECT_TRUE(store_->listProviders(txn, "org-3").empty());
}

TEST_F(StoreTest, ReplacedProviderIsListedOnceWhereItNowBelongs) {
  put({sampleProvider("a", "org-1", 5), sampleProvider("b", "org-1", 7)});
  auto moved = sampleProvider("a", "org-1", 9);
  moved.name = "renamed";
  put({moved});
  auto list = store_->listProviders(store_->read(), "org-1");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "b");
  EXPECT_EQ(list[1], moved);

  put({sampleProvider("a", "org-2", 9)});
  auto txn = store_->read();
  EXPECT_EQ(store_->listProviders(txn, "org-1").size(), 1u);
  EXPECT_EQ(store_->listProviders(txn, "org-2").size(), 1u);
}

TEST_F(StoreTest, DeleteProviderKeepsItsNumbers) {
  put({sampleProvider("p1")});
  insert({sampleNumber(1)});
  {
    auto txn = store_->write();
    store_->deleteProvider(txn, "p1");
    store_->deleteProvider(txn, "never-stored");
    txn.commit();
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->getProvider(txn, "p1"));
  EXPECT_TRUE(store_->listProviders(txn, "org-1").empty());
  EXPECT_TRUE(store_->getNumber(txn, "n1"));
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 1u);
}

TEST_F(StoreTest, RefusesProviderWithoutIdOrOrg) {
  auto txn = store_->write();
  EXPECT_THROW(store_->putProvider(txn, sampleProvider("")), StoreError);
  EXPECT_THROW(store_->putProvider(txn, sampleProvider("p1", "")), StoreError);
}

// --- phone numbers ---

TEST_F(StoreTest, NumberRoundTripsEveryField) {
  auto n = sampleNumber(1);
  n.incomingCallsAgentId = "6f1c2d1e-0000-4000-8000-000000000001";
  insert({n});
  reopen();
  auto txn = store_->read();
  EXPECT_EQ(store_->getNumber(txn, "n1"), n);
}

TEST_F(StoreTest, NumberIsFoundThroughEveryIndex) {
  insert({sampleNumber(1), sampleNumber(2, "p2")});
  auto txn = store_->read();
  EXPECT_EQ(store_->findNumberBySid(txn, sampleSid(1)), sampleNumber(1));
  EXPECT_EQ(store_->findNumberByE164(txn, "+14150000001"), sampleNumber(1));
  EXPECT_EQ(store_->listNumbersOfProvider(txn, "p1"), std::vector{sampleNumber(1)});
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 1u);
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p"), 0u);  // a prefix of another id
  EXPECT_FALSE(store_->findNumberBySid(txn, sampleSid(3)));
  EXPECT_FALSE(store_->findNumberByE164(txn, "+14150000003"));
  EXPECT_FALSE(store_->findNumberByE164(txn, std::string(600, '1')));  // too long for a key
}

TEST_F(StoreTest, RejectsDuplicateId) {
  auto n = second();
  n.id = "n1";
  expectRefused(n);
}

TEST_F(StoreTest, RejectsDuplicateSid) {
  auto n = second();
  n.phoneNumberSid = sampleSid(1);
  expectRefused(n);
}

TEST_F(StoreTest, RejectsDuplicateE164) {
  auto n = second();
  n.phoneNumber = sampleNumber(1).phoneNumber;
  expectRefused(n);
}

TEST_F(StoreTest, RefusesNumberWithoutItsKeys) {
  auto txn = store_->write();
  for (auto blank : {&PhoneNumber::id, &PhoneNumber::orgId, &PhoneNumber::providerId,
                     &PhoneNumber::phoneNumberSid, &PhoneNumber::phoneNumber}) {
    auto n = sampleNumber(1);
    n.*blank = "";
    EXPECT_THROW(store_->insertNumber(txn, n), StoreError);
  }
  auto nul = sampleNumber(1);
  nul.phoneNumber = std::string("+1415\0", 6);
  EXPECT_THROW(store_->insertNumber(txn, nul), StoreError);
  auto longId = sampleNumber(1);
  longId.id = std::string(600, 'x');
  EXPECT_THROW(store_->insertNumber(txn, longId), StoreError);
  // Refusals changed nothing and left the transaction usable.
  store_->insertNumber(txn, sampleNumber(1));
  txn.commit();
  EXPECT_EQ(store_->listNumbers(store_->read(), {"org-1"}, 0, 10).totalCount, 1u);
}

TEST_F(StoreTest, UpdateKeepsRecordAndIndexes) {
  insert({sampleNumber(1)});
  auto n = sampleNumber(1);
  n.incomingCallsAgentId = "agent-1";
  n.description = "front desk";
  n.updatedMs = 99;
  {
    auto txn = store_->write();
    store_->updateNumber(txn, n);
    txn.commit();
  }
  auto txn = store_->read();
  EXPECT_EQ(store_->getNumber(txn, "n1"), n);
  EXPECT_EQ(store_->findNumberBySid(txn, n.phoneNumberSid), n);
  EXPECT_EQ(store_->findNumberByE164(txn, n.phoneNumber), n);
  EXPECT_EQ(store_->listNumbersOfProvider(txn, "p1"), std::vector{n});
  NumberFilter linked{"org-1", std::nullopt, std::nullopt, std::string("agent-1")};
  EXPECT_EQ(store_->listNumbers(txn, linked, 0, 10).items, std::vector{n});
}

TEST_F(StoreTest, UpdateMovesEveryIndexEntry) {
  insert({sampleNumber(1), sampleNumber(5)});
  auto moved = sampleNumber(1);
  moved.phoneNumberSid = sampleSid(2);
  moved.phoneNumber = sampleNumber(9).phoneNumber;  // after number 5 in E.164 order
  moved.providerId = "p2";
  moved.orgId = "org-2";
  {
    auto txn = store_->write();
    store_->updateNumber(txn, moved);
    txn.commit();
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->findNumberBySid(txn, sampleSid(1)));
  EXPECT_FALSE(store_->findNumberByE164(txn, sampleNumber(1).phoneNumber));
  EXPECT_EQ(store_->findNumberBySid(txn, sampleSid(2)), moved);
  EXPECT_EQ(store_->findNumberByE164(txn, moved.phoneNumber), moved);
  EXPECT_EQ(store_->listNumbersOfProvider(txn, "p1"), std::vector{sampleNumber(5)});
  EXPECT_EQ(store_->listNumbersOfProvider(txn, "p2"), std::vector{moved});
  EXPECT_EQ(store_->listNumbers(txn, {"org-1"}, 0, 10).items, std::vector{sampleNumber(5)});
  EXPECT_EQ(store_->listNumbers(txn, {"org-2"}, 0, 10).items, std::vector{moved});
}

TEST_F(StoreTest, UpdateRefusesClashesAndChangesNothing) {
  insert({sampleNumber(1), sampleNumber(2)});
  auto takesSid = sampleNumber(1);
  takesSid.phoneNumberSid = sampleSid(2);
  takesSid.description = "changed";
  auto takesE164 = sampleNumber(1);
  takesE164.phoneNumber = sampleNumber(2).phoneNumber;
  takesE164.phoneNumberSid = sampleSid(7);  // a free SID: must not be taken either
  auto unknown = sampleNumber(3);
  {
    auto txn = store_->write();
    EXPECT_THROW(store_->updateNumber(txn, takesSid), StoreError);
    EXPECT_THROW(store_->updateNumber(txn, takesE164), StoreError);
    EXPECT_THROW(store_->updateNumber(txn, unknown), StoreError);
    txn.commit();
  }
  auto txn = store_->read();
  EXPECT_EQ(store_->getNumber(txn, "n1"), sampleNumber(1));
  EXPECT_EQ(store_->findNumberBySid(txn, sampleSid(2)), sampleNumber(2));
  EXPECT_FALSE(store_->findNumberBySid(txn, sampleSid(7)));
  EXPECT_FALSE(store_->getNumber(txn, "n3"));
  EXPECT_EQ(store_->listNumbersOfProvider(txn, "p1"),
            (std::vector{sampleNumber(1), sampleNumber(2)}));
}

TEST_F(StoreTest, DeleteRemovesRecordAndEveryIndexEntry) {
  insert({sampleNumber(1), sampleNumber(2)});
  {
    auto txn = store_->write();
    EXPECT_TRUE(store_->deleteNumber(txn, "n1"));
    EXPECT_FALSE(store_->deleteNumber(txn, "n1"));
    EXPECT_FALSE(store_->deleteNumber(txn, ""));
    txn.commit();
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->getNumber(txn, "n1"));
  EXPECT_FALSE(store_->findNumberBySid(txn, sampleSid(1)));
  EXPECT_FALSE(store_->findNumberByE164(txn, sampleNumber(1).phoneNumber));
  EXPECT_EQ(store_->listNumbersOfProvider(txn, "p1"), std::vector{sampleNumber(2)});
  EXPECT_EQ(store_->listNumbers(txn, {"org-1"}, 0, 10).items, std::vector{sampleNumber(2)});
  insert({sampleNumber(1)});  // its id, SID and number are free again
}

TEST_F(StoreTest, BatchOfTenThousandInOneTransaction) {
  constexpr int kCount = 10'000;
  {
    auto txn = store_->write();
    for (int i = 0; i < kCount; ++i) store_->insertNumber(txn, sampleNumber(i));
    txn.commit();
  }
  reopen();
  auto txn = store_->read();
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), uint64_t{kCount});
  EXPECT_EQ(store_->findNumberBySid(txn, sampleSid(kCount - 1)), sampleNumber(kCount - 1));
  auto page = store_->listNumbers(txn, {"org-1"}, kCount - 2, 10);
  EXPECT_EQ(page.totalCount, uint64_t{kCount});
  EXPECT_EQ(page.items, (std::vector{sampleNumber(kCount - 2), sampleNumber(kCount - 1)}));
}

TEST_F(StoreTest, ForEachNumberVisitsEveryNumberOnce) {
  std::vector<PhoneNumber> stored;
  for (int i = 0; i < 500; ++i) {
    stored.push_back(sampleNumber(i, i % 2 ? "p1" : "p2", i % 3 ? "org-1" : "org-2"));
    if (i % 7 == 0) stored.back().incomingCallsAgentId = "agent-" + std::to_string(i);
  }
  insert(stored);
  std::vector<PhoneNumber> seen;
  store_->forEachNumber(store_->read(), [&](const PhoneNumber& n) { seen.push_back(n); });
  auto byId = [](const PhoneNumber& a, const PhoneNumber& b) { return a.id < b.id; };
  std::sort(stored.begin(), stored.end(), byId);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end(), byId));
  EXPECT_EQ(seen, stored);
}

}  // namespace
}  // namespace gw::store
