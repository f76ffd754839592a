#pragma once
// A customer's own trunk adopted by a provider, and the two views the orphan tests compare:
// the numbers on the trunk as Twilio lists them (Trunking v1 through the emulator) and the
// numbers the gateway stores (its admin API).
#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {

class OrphanTest : public GatewayTest {
 protected:
  struct Adopted {
    TwilioAccount account;
    EmulatorProcess* emulator = nullptr;
    GatewayProcess* gateway = nullptr;
    std::string trunk;
    std::string providerId;
    std::vector<std::string> sids;  // every number of the account
  };

  Adopted startWithAdoptedTrunk(int numbers, GatewayOptions go = {}, EmulatorOptions eo = {}) {
    Adopted a;
    a.account = randomAccount();
    eo.accounts = {a.account};
    eo.numbers = numbers;
    a.emulator = &startEmulator(eo);
    a.trunk = a.emulator->createTrunk(a.account, "customer trunk");
    go.twilioUrl = a.emulator->baseUrl();
    a.gateway = &startGateway(go);
    a.providerId = createProvider(*a.gateway, a.account, {{"trunkSid", a.trunk}});
    a.sids = sidsOf(a.emulator->numbers(a.account.sid));
    return a;
  }

  std::vector<std::string> onTrunk(Adopted& a) {
    auto sids = a.emulator->trunkNumbers(a.account, a.trunk);
    std::sort(sids.begin(), sids.end());
    return sids;
  }

  // The provider's stored SIDs; empty when the provider is gone.
  std::vector<std::string> stored(GatewayProcess& gw, const std::string& providerId) {
    std::vector<std::string> sids;
    for (const auto& n : allNumbers(gw)) {
      if (n.providerId == providerId) sids.push_back(n.phoneNumberSid);
    }
    std::sort(sids.begin(), sids.end());
    return sids;
  }

  // Polls until the trunk holds exactly `extra` plus the provider's stored numbers, or the
  // deadline passes; true when they agreed.
  bool waitUntilTrunkMatchesStore(Adopted& a, std::chrono::seconds deadline,
                                  const std::vector<std::string>& extra = {}) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      auto expected = stored(*a.gateway, a.providerId);
      expected.insert(expected.end(), extra.begin(), extra.end());
      std::sort(expected.begin(), expected.end());
      if (onTrunk(a) == expected) return true;
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Polls until every number on the trunk is one of `a.providerId`'s stored numbers.
  bool waitUntilNothingUnknownOnTrunk(Adopted& a, std::chrono::seconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      const auto known = stored(*a.gateway, a.providerId);
      const auto attached = onTrunk(a);
      if (std::includes(known.begin(), known.end(), attached.begin(), attached.end())) return true;
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Polls the emulator until at least `count` attach requests reached it.
  bool waitForAttaches(EmulatorProcess& emulator, uint64_t count,
                       std::chrono::seconds deadline = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (emulator.stats().requestsTo("POST", "/PhoneNumbers") < count) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
};

}  // namespace gw::integration
