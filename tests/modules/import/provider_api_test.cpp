#include "modules/import/provider_api.hpp"

#include <rapidjson/document.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gw::import {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d;
}

std::vector<std::string> keysOf(const admin::FieldErrors& errors) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : errors) keys.push_back(k);
  return keys;
}

TEST(ProviderAllowedAddressesTest, AbsentOrNullKeepsTheDefault) {
  admin::FieldErrors errors;
  EXPECT_EQ(allowedAddressesField(parse("{}"), errors), std::nullopt);
  EXPECT_EQ(allowedAddressesField(parse(R"({"allowedAddresses":null})"), errors), std::nullopt);
  EXPECT_THAT(errors, IsEmpty());
}

TEST(ProviderAllowedAddressesTest, StoresCanonicalCidrsInTheOrderSent) {
  admin::FieldErrors errors;
  auto v = allowedAddressesField(
      parse(R"({"allowedAddresses":["54.172.60.0/30","10.1.2.3","2001:DB8::/32"]})"), errors);
  EXPECT_THAT(errors, IsEmpty());
  ASSERT_TRUE(v.has_value());
  EXPECT_THAT(*v, ElementsAre("54.172.60.0/30", "10.1.2.3/32", "2001:db8::/32"));
}

TEST(ProviderAllowedAddressesTest, ReportsEachBadEntryByIndex) {
  admin::FieldErrors errors;
  auto v = allowedAddressesField(
      parse(R"({"allowedAddresses":["54.172.60.0/30","10.0.0.1/8",7,"example.com","1.2.3.4/33"]})"),
      errors);
  EXPECT_EQ(v, std::nullopt);
  EXPECT_THAT(keysOf(errors), ElementsAre("allowedAddresses[1]", "allowedAddresses[2]",
                                          "allowedAddresses[3]", "allowedAddresses[4]"));
}

TEST(ProviderAllowedAddressesTest, RefusesAnEmptyListATooLongOneAndOtherTypes) {
  std::string many = R"({"allowedAddresses":[)";
  for (int i = 0; i <= 100; ++i)
    many += (i ? ",\"10.0.0." : "\"10.0.0.") + std::to_string(i) + "\"";
  many += "]}";
  for (const std::string& body : {std::string(R"({"allowedAddresses":[]})"),
                                  std::string(R"({"allowedAddresses":"10.0.0.0/8"})"), many}) {
    admin::FieldErrors errors;
    EXPECT_EQ(allowedAddressesField(parse(body), errors), std::nullopt);
    EXPECT_THAT(keysOf(errors), ElementsAre("allowedAddresses")) << body.substr(0, 60);
  }
}

}  // namespace
}  // namespace gw::import
