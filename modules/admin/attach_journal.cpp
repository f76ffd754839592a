#include "modules/admin/attach_journal.hpp"

#include "store/store.hpp"

namespace gw::admin {

void AttachJournal::add(std::string_view providerId, const std::vector<std::string>& sids) {
  if (sids.empty()) return;
  auto txn = store_.write();
  store_.journalAttachments(txn, providerId, sids);
  txn.commit();
}

void AttachJournal::remove(std::string_view providerId, const std::vector<std::string>& sids) {
  if (sids.empty()) return;
  auto txn = store_.write();
  for (const auto& sid : sids) store_.unjournalAttachment(txn, providerId, sid);
  txn.commit();
}

}  // namespace gw::admin
