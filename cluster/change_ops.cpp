#include "cluster/change_ops.hpp"

#include <utility>

#include "cluster/records.hpp"
#include "store/store.hpp"

namespace gw::cluster {

namespace {

// JSON field names, quotes and base64 around each key and value.
constexpr size_t kOpOverhead = 64;

size_t base64Size(size_t n) {
  return (n + 2) / 3 * 4;
}

void add(OpGroup& g, Op op) {
  g.bytes += wireBytes(op);
  g.ops.push_back(std::move(op));
}

void add(OpGroup& g, Compare c) {
  g.bytes += wireBytes(c);
  g.compares.push_back(std::move(c));
}

}  // namespace

size_t wireBytes(const Op& op) {
  return kOpOverhead + base64Size(op.key.size()) + base64Size(op.value.size()) +
         base64Size(op.rangeEnd.size());
}

size_t wireBytes(const Compare& c) {
  return kOpOverhead + base64Size(c.key.size()) + base64Size(c.value.size()) +
         base64Size(c.rangeEnd.size());
}

std::vector<OpGroup> opsOf(const admin::ChangeSet& c, const Keyspace& keys,
                           const store::Store& store, const store::ReadView& view,
                           const store::SecretBox* box) {
  std::vector<OpGroup> groups;
  auto one = [&](Op op) {
    OpGroup g;
    add(g, std::move(op));
    groups.push_back(std::move(g));
  };
  for (const auto& p : c.providersPut) one(Op::put(keys.provider(p.id), encodeProvider(p, box)));
  for (const auto& a : c.agentsPut) one(Op::put(keys.agent(a.id), encodeAgent(a)));
  for (const auto& n : c.numbersAdded) {
    OpGroup g;
    add(g, Compare::absent(keys.number(n.id)));
    add(g, Compare::absent(keys.sidClaim(n.phoneNumberSid)));
    add(g, Compare::absent(keys.e164Claim(n.phoneNumber)));
    add(g, Op::put(keys.number(n.id), encodeNumber(n)));
    add(g, Op::put(keys.sidClaim(n.phoneNumberSid), n.id));
    add(g, Op::put(keys.e164Claim(n.phoneNumber), n.id));
    groups.push_back(std::move(g));
  }
  for (const auto& n : c.numbersChanged) {
    OpGroup g;
    add(g, Op::put(keys.number(n.id), encodeNumber(n)));
    // A SID or E.164 number never changes in practice; if one does, its claim moves with it.
    if (auto old = store.getNumber(view, n.id)) {
      if (old->phoneNumberSid != n.phoneNumberSid) {
        add(g, Compare::absent(keys.sidClaim(n.phoneNumberSid)));
        add(g, Op::del(keys.sidClaim(old->phoneNumberSid)));
        add(g, Op::put(keys.sidClaim(n.phoneNumberSid), n.id));
      }
      if (old->phoneNumber != n.phoneNumber) {
        add(g, Compare::absent(keys.e164Claim(n.phoneNumber)));
        add(g, Op::del(keys.e164Claim(old->phoneNumber)));
        add(g, Op::put(keys.e164Claim(n.phoneNumber), n.id));
      }
    }
    groups.push_back(std::move(g));
  }
  for (const auto& n : c.numbersRemoved) {
    OpGroup g;
    add(g, Op::del(keys.number(n.id)));
    add(g, Op::del(keys.sidClaim(n.phoneNumberSid)));
    add(g, Op::del(keys.e164Claim(n.phoneNumber)));
    groups.push_back(std::move(g));
  }
  for (const auto& id : c.agentsRemoved) one(Op::del(keys.agent(id)));
  for (const auto& id : c.providersRemoved) {
    OpGroup g;
    add(g, Op::del(keys.verification(id)));
    add(g, Op::del(keys.provider(id)));
    groups.push_back(std::move(g));
  }
  for (const auto& v : c.verificationsPut) {
    one(Op::put(keys.verification(v.providerId), encodeVerification(v)));
  }
  return groups;
}

std::vector<OpGroup> chunk(std::vector<OpGroup> groups, const TxnLimits& limits) {
  const size_t maxOps = limits.maxOps > limits.reservedOps ? limits.maxOps - limits.reservedOps : 1;
  const size_t maxCompares =
      limits.maxOps > limits.reservedCompares ? limits.maxOps - limits.reservedCompares : 1;
  const size_t maxBytes = limits.maxBytes;
  std::vector<OpGroup> chunks;
  OpGroup current;
  for (auto& g : groups) {
    bool fits = current.ops.size() + g.ops.size() <= maxOps &&
                current.compares.size() + g.compares.size() <= maxCompares &&
                current.bytes + g.bytes <= maxBytes;
    if (!fits && !current.ops.empty()) {
      chunks.push_back(std::move(current));
      current = OpGroup{};
    }
    for (auto& c : g.compares) current.compares.push_back(std::move(c));
    for (auto& o : g.ops) current.ops.push_back(std::move(o));
    current.bytes += g.bytes;
  }
  if (!current.ops.empty()) chunks.push_back(std::move(current));
  return chunks;
}

}  // namespace gw::cluster
