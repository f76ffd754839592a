#pragma once
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/tools/twilio_emulator/emulator_harness.hpp"

namespace gw::emulator::testing {

class TwilioEmulatorTest : public ::testing::Test {
 protected:
  EmulatorHarness& start(Options options = defaultTestOptions()) {
    harness_ = std::make_unique<EmulatorHarness>(std::move(options));
    return *harness_;
  }

  static std::string numbersPath(const std::string& account = kAccountA) {
    return "/2010-04-01/Accounts/" + account + "/IncomingPhoneNumbers.json";
  }
  static std::string numberPath(const std::string& sid, const std::string& account = kAccountA) {
    return "/2010-04-01/Accounts/" + account + "/IncomingPhoneNumbers/" + sid + ".json";
  }

  std::unique_ptr<EmulatorHarness> harness_;
};

// Twilio's error body: exactly code, message, more_info and status.
inline void expectTwilioError(const HttpResult& r, int status, int code) {
  EXPECT_EQ(r.status, status) << r.body;
  const auto doc = r.json();
  ASSERT_TRUE(doc.IsObject()) << r.body;
  EXPECT_EQ(doc.MemberCount(), 4u) << r.body;
  ASSERT_TRUE(doc.HasMember("code") && doc["code"].IsInt()) << r.body;
  EXPECT_EQ(doc["code"].GetInt(), code) << r.body;
  ASSERT_TRUE(doc.HasMember("status") && doc["status"].IsInt()) << r.body;
  EXPECT_EQ(doc["status"].GetInt(), status);
  ASSERT_TRUE(doc.HasMember("message") && doc["message"].IsString()) << r.body;
  EXPECT_GT(doc["message"].GetStringLength(), 0u);
  ASSERT_TRUE(doc.HasMember("more_info") && doc["more_info"].IsString()) << r.body;
  EXPECT_EQ(std::string(doc["more_info"].GetString()),
            "https://www.twilio.com/docs/errors/" + std::to_string(code));
}

}  // namespace gw::emulator::testing
