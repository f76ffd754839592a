#pragma once
// The API's JSON shapes of stored records. The auth token never appears.
#include <map>
#include <string>
#include <string_view>

#include "modules/admin/json_io.hpp"
#include "store/records.hpp"

namespace gw::store {
class Store;
class ReadView;
}  // namespace gw::store

namespace gw::admin {

// `verification`: the provider's latest (its status, time and issues), or null before the
// first one (then the provider record's status and time, and no issues).
void writeProvider(JsonWriter& w, const store::Provider& p, uint64_t phoneNumberCount,
                   const store::Verification* verification = nullptr);
// `trunkStatus`: what the provider's latest verification found of the number (trunkStatusOf).
void writeNumber(JsonWriter& w, const store::PhoneNumber& n, std::string_view trunkStatus);

std::string providerJson(const store::Provider& p, uint64_t phoneNumberCount,
                         const store::Verification* verification = nullptr);
std::string numberJson(const store::PhoneNumber& n, std::string_view trunkStatus);
// The same, its trunkStatus read from `store`.
std::string numberJson(const store::Store& store, const store::PhoneNumber& n);

// A number's trunkStatus: "attached" unless the provider's latest verification found it
// "detached" (on no trunk), "released" (gone from the account) or "moved" (on another
// trunk). Inbound routing does not depend on it. Keeps each provider's verification it read,
// so a page of numbers reads each once.
class TrunkStatuses {
 public:
  TrunkStatuses(const store::Store& store, const store::ReadView& view)
      : store_(store), view_(view) {}
  std::string_view of(const store::PhoneNumber& n);

 private:
  const store::Store& store_;
  const store::ReadView& view_;
  std::map<std::string, std::map<std::string, std::string_view>, std::less<>> byProvider_;
};

}  // namespace gw::admin
