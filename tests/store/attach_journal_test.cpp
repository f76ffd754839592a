#include "store/attach_journal.hpp"

#include <gtest/gtest.h>

#include "tests/store/store_fixture.hpp"

namespace gw::store {
namespace {

using JournalTest = testing::StoreFixture;

TEST_F(JournalTest, KeepsEntriesPerProviderAcrossReopen) {
  {
    auto txn = store_->write();
    store_->journalAttachments(txn, "p-2", {"PNb", "PNa"});
    store_->journalAttachments(txn, "p-1", {"PNc"});
    store_->journalAttachments(txn, "p-2", {"PNa"});  // twice: one entry
    txn.commit();
  }
  reopen();
  auto txn = store_->read();
  EXPECT_EQ(store_->providersWithJournal(txn), (std::vector<std::string>{"p-1", "p-2"}));
  EXPECT_EQ(store_->journaledAttachments(txn, "p-2"), (std::vector<std::string>{"PNa", "PNb"}));
  EXPECT_EQ(store_->journaledAttachments(txn, "p-1"), std::vector<std::string>{"PNc"});
  EXPECT_TRUE(store_->journaledAttachments(txn, "p-3").empty());
}

TEST_F(JournalTest, RemovesOneEntryOrAProvidersEntries) {
  {
    auto txn = store_->write();
    store_->journalAttachments(txn, "p-1", {"PNa", "PNb", "PNc"});
    store_->journalAttachments(txn, "p-2", {"PNa"});
    txn.commit();
  }
  {
    auto txn = store_->write();
    EXPECT_TRUE(store_->unjournalAttachment(txn, "p-1", "PNb"));
    EXPECT_FALSE(store_->unjournalAttachment(txn, "p-1", "PNb"));
    EXPECT_EQ(store_->clearJournalOfProvider(txn, "p-2"), 1u);
    EXPECT_EQ(store_->clearJournalOfProvider(txn, "p-9"), 0u);
    txn.commit();
  }
  auto txn = store_->read();
  EXPECT_EQ(store_->providersWithJournal(txn), std::vector<std::string>{"p-1"});
  EXPECT_EQ(store_->journaledAttachments(txn, "p-1"), (std::vector<std::string>{"PNa", "PNc"}));
}

TEST_F(JournalTest, AnAbortedBatchLeavesNoEntry) {
  {
    auto txn = store_->write();
    store_->journalAttachments(txn, "p-1", {"PNa"});
  }  // not committed
  auto txn = store_->read();
  EXPECT_TRUE(store_->providersWithJournal(txn).empty());
}

TEST_F(JournalTest, RefusesAnEntryWithoutProviderOrSid) {
  auto txn = store_->write();
  EXPECT_THROW(store_->journalAttachments(txn, "", {"PNa"}), StoreError);
  EXPECT_THROW(store_->journalAttachments(txn, "p-1", {""}), StoreError);
}

}  // namespace
}  // namespace gw::store
