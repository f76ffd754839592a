#pragma once
// This node's attachment journal (store/attach_journal.hpp): the SIDs an import is about
// to attach, or has attached, to a provider's trunk and not stored yet, so that a crash
// leaves nothing on a customer's trunk that the gateway does not know. It is crash
// bookkeeping of this node's own Twilio work, not admin state: it changes no route and no
// directory entry, so it is written here, synchronously, rather than through the write
// path. Entries of stored numbers leave in the commit that stores them
// (ChangeSet::unjournaled). Control thread only.
#include <string>
#include <string_view>
#include <vector>

namespace gw::store {
class Store;
}

namespace gw::admin {

class AttachJournal {
 public:
  explicit AttachJournal(store::Store& store) : store_(store) {}
  // One write transaction, committed before the attach requests go out. Throws what the
  // store throws (store::StoreFullError when it does not fit): then nothing is recorded.
  void add(std::string_view providerId, const std::vector<std::string>& sids);
  // Forgets `sids` (detached again, or never sent), in one write transaction. Throws what
  // the store throws.
  void remove(std::string_view providerId, const std::vector<std::string>& sids);

 private:
  store::Store& store_;
};

}  // namespace gw::admin
