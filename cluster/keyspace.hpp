#pragma once
// Where the cluster keeps what in etcd, under one prefix P (--etcd-prefix, default
// "/gateway/"):
//
//   P data/providers/<id>        provider record (store codec; auth token sealed)
//   P data/agents/<id>           agent record (store codec)
//   P data/numbers/<id>          phone number record (store codec)
//   P data/verifications/<pid>   a provider's latest verification
//   P claims/sid/<PN...>         number id: the claim of a SID
//   P claims/e164/<+1...>        number id: the claim of an E.164 number
//   P fence                      put by every commit: its mod revision orders the writes
//   P lock                       a node committing in several transactions holds it
//   P nodes/<nodeId>             a live member (JSON), under the node's lease
//   P members/<nodeId>           a member as last seen (JSON), without lease: the leader
//                                removes it, and its origination URL, after the grace period
//   P leader                     the leader's node id, under the leader's lease
//   P idempotency/answers/<hex>  a kept Idempotency-Key answer (cluster_idempotency.hpp)
//   P idempotency/running/<hex>  the node running a request under a key, under its lease
//
// Only data/ keys are replicated into LMDB (replica.hpp); claims follow the number records
// and are never applied on their own.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gw::cluster {

class Keyspace {
 public:
  explicit Keyspace(std::string prefix = "/gateway/") : p_(std::move(prefix)) {
    if (p_.empty() || p_.back() != '/') p_ += '/';
  }
  const std::string& prefix() const { return p_; }

  std::string data() const { return p_ + "data/"; }
  std::string provider(std::string_view id) const { return join("data/providers/", id); }
  std::string agent(std::string_view id) const { return join("data/agents/", id); }
  std::string number(std::string_view id) const { return join("data/numbers/", id); }
  std::string verification(std::string_view providerId) const {
    return join("data/verifications/", providerId);
  }
  std::string sidClaim(std::string_view sid) const { return join("claims/sid/", sid); }
  std::string e164Claim(std::string_view e164) const { return join("claims/e164/", e164); }
  std::string fence() const { return p_ + "fence"; }
  std::string lock() const { return p_ + "lock"; }
  std::string nodes() const { return p_ + "nodes/"; }
  std::string node(std::string_view id) const { return join("nodes/", id); }
  std::string members() const { return p_ + "members/"; }
  std::string member(std::string_view id) const { return join("members/", id); }
  std::string leader() const { return p_ + "leader"; }

  enum class Kind { kProvider, kAgent, kNumber, kVerification, kOther };
  struct Parsed {
    Kind kind = Kind::kOther;
    std::string id;
  };
  // What a key under data/ names; kOther for any other key.
  Parsed parse(std::string_view key) const {
    if (key.substr(0, p_.size()) != p_) return {};
    key.remove_prefix(p_.size());
    static constexpr std::pair<std::string_view, Kind> kKinds[] = {
        {"data/providers/", Kind::kProvider},
        {"data/agents/", Kind::kAgent},
        {"data/numbers/", Kind::kNumber},
        {"data/verifications/", Kind::kVerification}};
    for (const auto& [folder, kind] : kKinds) {
      if (key.substr(0, folder.size()) == folder && key.size() > folder.size()) {
        return {kind, std::string(key.substr(folder.size()))};
      }
    }
    return {};
  }

 private:
  std::string join(std::string_view folder, std::string_view id) const {
    std::string k;
    k.reserve(p_.size() + folder.size() + id.size());
    k.append(p_).append(folder).append(id);
    return k;
  }
  std::string p_;
};

}  // namespace gw::cluster
