#include "tools/twilio_emulator/state.hpp"

#include <algorithm>
#include <ctime>
#include <stdexcept>
#include <utility>

namespace gw::emulator {
namespace {

int64_t nowSeconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

bool bySid(const NumberRecord& a, const NumberRecord& b) {
  return a.sid < b.sid;
}

}  // namespace

State::State(uint64_t seed) : sids_(seed) {}
State::~State() = default;

Account& State::addAccount(const Sid128& sid, std::string authToken) {
  if (accountBySid_.count(sid) != 0) {
    throw std::invalid_argument("account " + formatSid(kAccountPrefix, sid) + " given twice");
  }
  if (accounts_.size() >= kMaxAccounts) {
    throw std::invalid_argument("at most " + std::to_string(kMaxAccounts) + " accounts");
  }
  auto account = std::make_unique<Account>();
  account->index = static_cast<uint32_t>(accounts_.size());
  account->sid = sid;
  account->sidText = formatSid(kAccountPrefix, sid);
  account->authToken = std::move(authToken);
  account->friendlyName = "Emulated account " + std::to_string(account->index + 1);
  account->created = nowSeconds();
  Account& ref = *account;
  accountBySid_.emplace(sid, &ref);
  accounts_.push_back(std::move(account));
  return ref;
}

Account* State::findAccount(const Sid128& sid) {
  auto it = accountBySid_.find(sid);
  return it == accountBySid_.end() ? nullptr : it->second;
}

Account* State::findAccount(std::string_view sidText) {
  auto sid = parseSid(kAccountPrefix, sidText);
  return sid ? findAccount(*sid) : nullptr;
}

Account* State::authenticate(std::string_view accountSid, std::string_view authToken) {
  Account* account = findAccount(accountSid);
  if (account == nullptr || account->authToken.size() != authToken.size()) return nullptr;
  unsigned char diff = 0;  // no early exit on the first differing byte
  for (size_t i = 0; i < authToken.size(); ++i) {
    diff |= static_cast<unsigned char>(account->authToken[i] ^ authToken[i]);
  }
  return diff == 0 ? account : nullptr;
}

uint64_t State::phoneFor(const Account& account, uint64_t ordinal) const {
  // +1 NPA NXX XXXX: the account picks the area code, the ordinal the exchange and line,
  // so numbers are distinct across accounts and stable for a given --account order.
  const uint64_t npa = 201 + account.index;
  const uint64_t nxx = 200 + ordinal / 10'000;
  const uint64_t line = ordinal % 10'000;
  return 10'000'000'000ULL + npa * 10'000'000ULL + nxx * 10'000ULL + line;
}

std::vector<Sid128> State::createNumbers(Account& account, uint64_t count) {
  if (count > kNumbersPerAccount - account.numbersGenerated) {
    throw std::length_error("an account holds at most " + std::to_string(kNumbersPerAccount) +
                            " numbers");
  }
  const auto now = static_cast<uint32_t>(nowSeconds());
  std::vector<NumberRecord> fresh;
  fresh.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t ordinal = account.numbersGenerated + i;
    NumberRecord record;
    record.sid = sids_.nextSid();
    record.phone = phoneFor(account, ordinal);
    record.created = now;
    record.updated = now;
    // Every fifth number is voice-only, as some real inventories are.
    record.capabilities = ordinal % 5 == 4 ? kVoice : (kVoice | kSms | kMms);
    fresh.push_back(record);
  }
  account.numbersGenerated += count;

  // 128 random bits make a collision practically impossible; still, SIDs must be unique.
  std::sort(fresh.begin(), fresh.end(), bySid);
  for (bool clean = false; !clean;) {
    clean = true;
    for (size_t i = 0; i < fresh.size(); ++i) {
      const bool dupNew = i > 0 && fresh[i].sid == fresh[i - 1].sid;
      const bool dupOld =
          std::binary_search(account.numbers.begin(), account.numbers.end(), fresh[i], bySid);
      if (dupNew || dupOld) {
        fresh[i].sid = sids_.nextSid();
        clean = false;
      }
    }
    if (!clean) std::sort(fresh.begin(), fresh.end(), bySid);
  }

  std::vector<std::pair<uint64_t, Sid128>> byPhone;
  byPhone.reserve(fresh.size());
  for (const auto& r : fresh) byPhone.emplace_back(r.phone, r.sid);
  std::sort(byPhone.begin(), byPhone.end());

  const auto middle = static_cast<std::ptrdiff_t>(account.numbers.size());
  account.numbers.insert(account.numbers.end(), fresh.begin(), fresh.end());
  std::inplace_merge(account.numbers.begin(), account.numbers.begin() + middle,
                     account.numbers.end(), bySid);

  std::vector<Sid128> sids;
  sids.reserve(byPhone.size());
  for (const auto& [phone, sid] : byPhone) sids.push_back(sid);
  return sids;
}

NumberRecord* State::findNumber(Account& account, const Sid128& sid) {
  auto it = std::lower_bound(account.numbers.begin(), account.numbers.end(), sid,
                             [](const NumberRecord& r, const Sid128& key) { return r.sid < key; });
  return it != account.numbers.end() && it->sid == sid ? &*it : nullptr;
}

Trunk& State::createTrunk(Account& account, std::string friendlyName, std::string domainName) {
  auto trunk = std::make_unique<Trunk>();
  do {
    trunk->sid = sids_.nextSid();
  } while (trunkBySid_.count(trunk->sid) != 0);
  trunk->id = static_cast<TrunkId>(trunks_.size() + 1);
  trunk->account = &account;
  trunk->friendlyName = std::move(friendlyName);
  trunk->domainName = std::move(domainName);
  trunk->created = nowSeconds();
  trunk->updated = trunk->created;
  Trunk& ref = *trunk;
  trunkBySid_.emplace(ref.sid, ref.id);
  account.trunks.insert(ref.sid);
  trunks_.push_back(std::move(trunk));
  return ref;
}

Trunk* State::findTrunk(const Account& account, const Sid128& sid) {
  auto it = trunkBySid_.find(sid);
  if (it == trunkBySid_.end()) return nullptr;
  Trunk* trunk = trunks_[it->second - 1].get();
  return trunk != nullptr && trunk->account == &account ? trunk : nullptr;
}

Trunk* State::findTrunk(const Account& account, std::string_view sidText) {
  auto sid = parseSid(kTrunkPrefix, sidText);
  return sid ? findTrunk(account, *sid) : nullptr;
}

const Trunk* State::trunkById(TrunkId id) const {
  if (id == 0 || id > trunks_.size()) return nullptr;
  return trunks_[id - 1].get();
}

void State::deleteTrunk(Trunk& trunk) {
  Account& account = *trunk.account;
  const auto now = static_cast<uint32_t>(nowSeconds());
  for (const Sid128& numberSid : trunk.numbers) {
    if (NumberRecord* number = findNumber(account, numberSid)) {
      number->trunk = 0;
      number->updated = now;
    }
  }
  account.trunks.erase(trunk.sid);
  trunkBySid_.erase(trunk.sid);
  trunks_[trunk.id - 1].reset();  // `trunk` dangles from here on
}

OriginationUrl& State::addOriginationUrl(Trunk& trunk, OriginationUrl url) {
  do {
    url.sid = sids_.nextSid();
  } while (trunk.originationUrls.count(url.sid) != 0);
  url.created = nowSeconds();
  url.updated = url.created;
  trunk.updated = url.created;
  const Sid128 sid = url.sid;
  return trunk.originationUrls.emplace(sid, std::move(url)).first->second;
}

State::AttachResult State::attach(Trunk& trunk, const Sid128& numberSid) {
  NumberRecord* number = findNumber(*trunk.account, numberSid);
  if (number == nullptr) return AttachResult::kUnknownNumber;
  if (number->trunk == trunk.id) return AttachResult::kAlreadyOnThisTrunk;
  if (number->trunk != 0) return AttachResult::kOnAnotherTrunk;
  number->trunk = trunk.id;
  number->updated = static_cast<uint32_t>(nowSeconds());
  trunk.numbers.insert(numberSid);
  return AttachResult::kAttached;
}

bool State::detach(Trunk& trunk, const Sid128& numberSid) {
  if (trunk.numbers.erase(numberSid) == 0) return false;
  if (NumberRecord* number = findNumber(*trunk.account, numberSid)) {
    number->trunk = 0;
    number->updated = static_cast<uint32_t>(nowSeconds());
  }
  return true;
}

bool State::detachFromAnyTrunk(Account& account, const Sid128& numberSid) {
  NumberRecord* number = findNumber(account, numberSid);
  if (number == nullptr || number->trunk == 0) return false;
  if (Trunk* trunk = trunks_[number->trunk - 1].get()) return detach(*trunk, numberSid);
  number->trunk = 0;
  return true;
}

bool State::release(Account& account, const Sid128& numberSid) {
  if (findNumber(account, numberSid) == nullptr) return false;
  detachFromAnyTrunk(account, numberSid);
  auto it = std::lower_bound(account.numbers.begin(), account.numbers.end(), numberSid,
                             [](const NumberRecord& r, const Sid128& key) { return r.sid < key; });
  account.numbers.erase(it);
  return true;
}

void State::rotateAuthToken(Account& account, std::string authToken) {
  account.authToken = std::move(authToken);
}

}  // namespace gw::emulator
