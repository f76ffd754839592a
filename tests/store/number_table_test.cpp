// Listing and counting phone numbers through the Store API, checked against a plain
// filter-and-sort over the same records.
#include "store/number_table.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "tests/store/store_fixture.hpp"

namespace gw::store {
namespace {

using testing::sampleNumber;

class NumberTableTest : public testing::StoreFixture {
 protected:
  // Org 1: numbers 0..29 on p1 and p2, some linked to agents. Org 2: numbers in between
  // in E.164 order, one of them on a provider id that org 1 uses too and linked to an agent
  // id that org 1 uses too.
  void SetUp() override {
    StoreFixture::SetUp();
    for (int i = 0; i < 30; ++i) {
      auto n = sampleNumber(i * 2, i % 3 == 0 ? "p2" : "p1");
      if (i % 4 == 1) n.incomingCallsAgentId = "agent-a";
      if (i == 6) n.incomingCallsAgentId = "agent-b";
      all_.push_back(n);
    }
    all_.push_back(sampleNumber(7, "p9", "org-2"));
    all_.push_back(sampleNumber(9, "p1", "org-2"));
    all_.back().incomingCallsAgentId = "agent-a";  // another org's number, same agent id
    // Inserted out of E.164 order so that the order has to come from the store.
    std::vector<PhoneNumber> shuffled = all_;
    std::reverse(shuffled.begin(), shuffled.end());
    std::rotate(shuffled.begin(), shuffled.begin() + 11, shuffled.end());
    insert(shuffled);
  }

  std::vector<PhoneNumber> expected(const NumberFilter& f) const {
    std::vector<PhoneNumber> out;
    for (const auto& n : all_) {
      if (n.orgId != f.orgId) continue;
      if (f.providerId && n.providerId != *f.providerId) continue;
      if (f.phoneNumber && n.phoneNumber != *f.phoneNumber) continue;
      if (f.linkedAgentId && n.incomingCallsAgentId != *f.linkedAgentId) continue;
      if (f.unlinkedOnly && !n.incomingCallsAgentId.empty()) continue;
      out.push_back(n);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.phoneNumber < b.phoneNumber; });
    return out;
  }

  // Every page of every size agrees with the model, and so does the count.
  void expectListing(const NumberFilter& f) {
    auto want = expected(f);
    auto txn = store_->read();
    for (uint64_t take : {uint64_t{0}, uint64_t{1}, uint64_t{3}, uint64_t{7}, uint64_t{100}}) {
      for (uint64_t skip = 0; skip <= want.size() + 1; ++skip) {
        auto page = store_->listNumbers(txn, f, skip, take);
        EXPECT_EQ(page.totalCount, want.size()) << "skip " << skip << " take " << take;
        size_t from = std::min<size_t>(skip, want.size());
        size_t to = std::min<size_t>(from + take, want.size());
        EXPECT_EQ(page.items, std::vector(want.begin() + from, want.begin() + to))
            << "skip " << skip << " take " << take;
      }
    }
  }

  std::vector<PhoneNumber> all_;
};

TEST_F(NumberTableTest, ListsAnOrgInE164Order) {
  expectListing({"org-1"});
  expectListing({"org-2"});
  expectListing({"org-3"});
  EXPECT_EQ(expected({"org-1"}).size(), 30u);
}

TEST_F(NumberTableTest, FiltersByProvider) {
  expectListing({"org-1", std::string("p1")});
  expectListing({"org-1", std::string("p2")});
  expectListing({"org-2", std::string("p1")});  // the provider id both orgs use
  expectListing({"org-1", std::string("p9")});  // another org's provider
  expectListing({"org-1", std::string("p")});   // a prefix of real ids
  EXPECT_EQ(expected({"org-1", std::string("p2")}).size(), 10u);
}

TEST_F(NumberTableTest, FiltersByPhoneNumber) {
  for (const auto& e164 : {sampleNumber(4).phoneNumber, sampleNumber(7).phoneNumber,
                           sampleNumber(5).phoneNumber, std::string("+1"), std::string()}) {
    expectListing({"org-1", std::nullopt, e164});
    expectListing({"org-1", std::string("p1"), e164});
    expectListing({"org-1", std::string("p2"), e164});
  }
  EXPECT_EQ(expected({"org-1", std::nullopt, sampleNumber(4).phoneNumber}).size(), 1u);
}

TEST_F(NumberTableTest, FiltersByAgentLink) {
  NumberFilter unlinked{"org-1"};
  unlinked.unlinkedOnly = true;
  expectListing(unlinked);
  expectListing({"org-1", std::nullopt, std::nullopt, std::string("agent-a")});
  expectListing({"org-1", std::nullopt, std::nullopt, std::string("agent-b")});
  expectListing({"org-1", std::nullopt, std::nullopt, std::string("agent-c")});
  expectListing({"org-1", std::string("p1"), std::nullopt, std::string("agent-a")});
  unlinked.providerId = "p2";
  expectListing(unlinked);
  EXPECT_EQ(expected({"org-1", std::nullopt, std::nullopt, std::string("agent-a")}).size(), 8u);

  expectListing({"org-2", std::nullopt, std::nullopt, std::string("agent-a")});
  expectListing({"org-1", std::string("p2"), std::nullopt, std::string("agent-a")});
  expectListing({"org-1", std::nullopt, sampleNumber(2).phoneNumber, std::string("agent-a")});
  expectListing({"org-1", std::nullopt, std::nullopt, std::string()});  // same as unlinked
  NumberFilter contradiction{"org-1", std::nullopt, std::nullopt, std::string("agent-a")};
  contradiction.unlinkedOnly = true;
  expectListing(contradiction);
  EXPECT_EQ(expected({"org-2", std::nullopt, std::nullopt, std::string("agent-a")}).size(), 1u);
}

TEST_F(NumberTableTest, ListingFollowsDeletes) {
  {
    auto txn = store_->write();
    for (int i : {0, 2, 58}) {
      ASSERT_TRUE(store_->deleteNumber(txn, sampleNumber(i).id));
      all_.erase(std::find_if(all_.begin(), all_.end(),
                              [&](const auto& n) { return n.id == sampleNumber(i).id; }));
    }
    txn.commit();
  }
  expectListing({"org-1"});
  expectListing({"org-1", std::string("p1")});
  expectListing({"org-1", std::string("p2")});
}

TEST_F(NumberTableTest, CountsAndListsTheNumbersOfAProvider) {
  auto txn = store_->read();
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 21u);  // 20 of org 1, 1 of org 2
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p2"), 10u);
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p"), 0u);
  EXPECT_EQ(store_->countNumbersOfProvider(txn, ""), 0u);
  auto ofP2 = store_->listNumbersOfProvider(txn, "p2");
  EXPECT_EQ(ofP2, expected({"org-1", std::string("p2")}));
  EXPECT_TRUE(store_->listNumbersOfProvider(txn, "none").empty());
}

}  // namespace
}  // namespace gw::store
