#pragma once
// In-memory Twilio accounts, their phone numbers, trunks and origination URLs.
// Owned by the emulator's single io_context thread: no locks.
//
// Numbers are compact fixed-size records kept sorted by SID in one vector per account,
// so an account of a million numbers costs about 40 MB, fetches are binary searches and
// list pages resume after the last SID seen (what the PageToken encodes).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tools/twilio_emulator/sid.hpp"

namespace gw::emulator {

using TrunkId = uint32_t;  // 0: on no trunk

enum Capability : uint8_t {
  kVoice = 1 << 0,
  kSms = 1 << 1,
  kMms = 1 << 2,
  kFax = 1 << 3,
};

struct NumberRecord {
  Sid128 sid;
  uint64_t phone = 0;    // E.164 digits read as an integer (never starts with 0)
  uint32_t created = 0;  // unix seconds
  uint32_t updated = 0;
  TrunkId trunk = 0;
  uint8_t capabilities = 0;
};

struct OriginationUrl {
  Sid128 sid;
  std::string sipUrl;
  std::string friendlyName;
  int weight = 0;
  int priority = 0;
  bool enabled = true;
  int64_t created = 0;  // unix seconds
  int64_t updated = 0;
};

struct Account;

struct Trunk {
  TrunkId id = 0;
  Sid128 sid;
  Account* account = nullptr;
  std::string friendlyName;
  std::string domainName;
  int64_t created = 0;
  int64_t updated = 0;
  std::map<Sid128, OriginationUrl> originationUrls;  // sorted like listings
  std::set<Sid128> numbers;                          // attached numbers, sorted like listings
};

struct Account {
  uint32_t index = 0;  // creation order; picks the block of phone numbers
  Sid128 sid;
  std::string sidText;
  std::string authToken;  // secret: never logged, never rendered
  std::string friendlyName;
  int64_t created = 0;
  std::vector<NumberRecord> numbers;  // sorted by sid
  uint64_t numbersGenerated = 0;      // next ordinal for phone number generation
  std::set<Sid128> trunks;            // sorted by sid
  size_t inFlight = 0;                // Twilio API requests being served
};

class State {
 public:
  // Each account owns a block of kNumbersPerAccount distinct US numbers.
  static constexpr uint64_t kNumbersPerAccount = 8'000'000;
  static constexpr uint32_t kMaxAccounts = 799;

  explicit State(uint64_t seed);
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Throws std::invalid_argument on a duplicate SID or when kMaxAccounts is reached.
  Account& addAccount(const Sid128& sid, std::string authToken);
  Account* findAccount(const Sid128& sid);
  Account* findAccount(std::string_view sidText);
  // Basic-auth check; nullptr unless the SID is known and the token matches.
  Account* authenticate(std::string_view accountSid, std::string_view authToken);
  const std::vector<std::unique_ptr<Account>>& accounts() const { return accounts_; }

  // Creates `count` numbers and returns their SIDs in creation order.
  // Throws std::length_error beyond kNumbersPerAccount.
  std::vector<Sid128> createNumbers(Account& account, uint64_t count);
  NumberRecord* findNumber(Account& account, const Sid128& sid);

  Trunk& createTrunk(Account& account, std::string friendlyName, std::string domainName);
  // nullptr when unknown or owned by another account (both answer 404 at Twilio).
  Trunk* findTrunk(const Account& account, const Sid128& sid);
  Trunk* findTrunk(const Account& account, std::string_view sidText);
  const Trunk* trunkById(TrunkId id) const;
  // Detaches the trunk's numbers (their trunk_sid becomes null) and forgets it.
  void deleteTrunk(Trunk& trunk);

  OriginationUrl& addOriginationUrl(Trunk& trunk, OriginationUrl url);

  enum class AttachResult { kAttached, kUnknownNumber, kAlreadyOnThisTrunk, kOnAnotherTrunk };
  AttachResult attach(Trunk& trunk, const Sid128& numberSid);
  // false when the number is not on this trunk.
  bool detach(Trunk& trunk, const Sid128& numberSid);

  // What the Twilio console does outside the API a client sees (the control routes):
  // takes the number off whatever trunk holds it (false when it was on none),
  bool detachFromAnyTrunk(Account& account, const Sid128& numberSid);
  // releases it from the account, so Twilio answers 404 for it (false when unknown),
  bool release(Account& account, const Sid128& numberSid);
  // and replaces the account's auth token: the old one is refused from then on.
  void rotateAuthToken(Account& account, std::string authToken);

  SidGenerator& sids() { return sids_; }

 private:
  uint64_t phoneFor(const Account& account, uint64_t ordinal) const;

  SidGenerator sids_;
  std::vector<std::unique_ptr<Account>> accounts_;
  std::map<Sid128, Account*> accountBySid_;
  std::vector<std::unique_ptr<Trunk>> trunks_;  // index id - 1; null once deleted
  std::map<Sid128, TrunkId> trunkBySid_;
};

}  // namespace gw::emulator
