#include "modules/agents/agent_rules.hpp"

#include <rapidjson/document.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gw::agents {
namespace {

using ::testing::HasSubstr;
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

TEST(AgentSipUriTest, AcceptsSipAndSipsUrisWithOrWithoutUserPortAndTransport) {
  for (const char* uri :
       {"sip:agent@10.0.0.5", "sip:10.0.0.5", "sip:agent@10.0.0.5:5070", "sips:agent@example.com",
        "sip:agent@example.com;transport=tcp", "SIP:agent@example.com;Transport=UDP",
        "sip:+14155550100@pbx.example.com:5061;transport=udp", "sip:agent@[2001:db8::1]:5060",
        "sip:agent@[::1]", "sip:agent@10.0.0.5:65535", "sip:agent@10.0.0.5:1"}) {
    EXPECT_EQ(sipUriProblem(uri), std::nullopt) << uri;
  }
}

TEST(AgentSipUriTest, SaysWhatIsWrongWithTheScheme) {
  EXPECT_THAT(sipUriProblem("tel:+14155550100").value_or(""), HasSubstr("tel: URI"));
  EXPECT_THAT(sipUriProblem("http://example.com").value_or(""),
              HasSubstr("must start with sip: or sips:"));
  EXPECT_THAT(sipUriProblem("agent@example.com").value_or(""),
              HasSubstr("must start with sip: or sips:"));
  EXPECT_THAT(sipUriProblem("").value_or(""), HasSubstr("required"));
  EXPECT_THAT(sipUriProblem("   ").value_or(""), HasSubstr("required"));
}

TEST(AgentSipUriTest, RefusesAMissingHost) {
  for (const char* uri : {"sip:", "sip:agent@", "sip:agent@:5060", "sips:@;transport=tcp"}) {
    EXPECT_THAT(sipUriProblem(uri).value_or(""), HasSubstr("no host")) << uri;
  }
}

TEST(AgentSipUriTest, RefusesPortsOutsideOneTo65535) {
  for (const char* uri :
       {"sip:agent@10.0.0.5:0", "sip:agent@10.0.0.5:65536", "sip:agent@10.0.0.5:99999999",
        "sip:agent@10.0.0.5:", "sip:a@h:5o60", "sip:agent@[::1]:70000"}) {
    auto problem = sipUriProblem(uri);
    ASSERT_TRUE(problem.has_value()) << uri;
    EXPECT_THAT(*problem, HasSubstr("invalid port")) << uri;
    EXPECT_THAT(*problem, HasSubstr("1 to 65535")) << uri;
  }
}

TEST(AgentSipUriTest, RefusesOtherTransportsHeadersAndDecorations) {
  EXPECT_THAT(sipUriProblem("sip:agent@example.com;transport=sctp").value_or(""),
              HasSubstr("transport=udp or ;transport=tcp"));
  EXPECT_THAT(sipUriProblem("sip:agent@example.com?Subject=hi").value_or(""), HasSubstr("headers"));
  EXPECT_THAT(sipUriProblem("<sip:agent@example.com>").value_or(""),
              HasSubstr("must start with sip:"));
  EXPECT_THAT(sipUriProblem("sip:agent@example.com>").value_or(""), HasSubstr("angle brackets"));
  EXPECT_THAT(sipUriProblem("sip:agent@exa mple.com").value_or(""), HasSubstr("spaces"));
  EXPECT_THAT(sipUriProblem("sip:agent@" + std::string(600, 'a') + ".com").value_or(""),
              HasSubstr("at most 512"));
}

TEST(AgentSipUriTest, HostIsTheUriHostWithoutBrackets) {
  EXPECT_EQ(sipUriHost("sip:agent@pbx.example.com:5070;transport=tcp"), "pbx.example.com");
  EXPECT_EQ(sipUriHost("sip:agent@[2001:db8::1]:5060"), "2001:db8::1");
  EXPECT_EQ(sipUriHost("sip:10.0.0.5"), "10.0.0.5");
}

TEST(AgentBodyTest, CreateRequiresNameAndSipUriAndDefaultsModeToProxy) {
  admin::FieldErrors errors;
  auto c = parseAgentBody(parse(R"({"name":"Front desk","sipUri":"sip:desk@10.0.0.5"})"),
                          BodyKind::kCreate, errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(c.name, "Front desk");
  EXPECT_EQ(c.sipUri, "sip:desk@10.0.0.5");
  EXPECT_EQ(c.mode, "proxy");
  EXPECT_EQ(c.outboundPhoneNumberId, std::nullopt);

  errors.clear();
  parseAgentBody(parse(R"({})"), BodyKind::kCreate, errors);
  EXPECT_EQ(keysOf(errors), (std::vector<std::string>{"name", "sipUri"}));
}

TEST(AgentBodyTest, ReportsEachBadFieldOnce) {
  admin::FieldErrors errors;
  parseAgentBody(parse(R"({"name":"   ","sipUri":"tel:+1","mode":"Proxy",
                           "outboundPhoneNumberId":"n-1"})"),
                 BodyKind::kCreate, errors);
  EXPECT_EQ(keysOf(errors),
            (std::vector<std::string>{"name", "sipUri", "mode", "outboundPhoneNumberId"}));

  errors.clear();
  parseAgentBody(parse(R"({"name":42,"sipUri":["sip:a@b"],"mode":1,"outboundPhoneNumberId":7})"),
                 BodyKind::kCreate, errors);
  EXPECT_EQ(keysOf(errors),
            (std::vector<std::string>{"name", "sipUri", "mode", "outboundPhoneNumberId"}));
}

TEST(AgentBodyTest, NameLimitCountsCharactersNotBytes) {
  std::string hundredEuros;
  for (int i = 0; i < 100; ++i) hundredEuros += "\xE2\x82\xAC";  // U+20AC, 3 bytes
  admin::FieldErrors errors;
  auto c = parseAgentBody(parse(R"({"name":")" + hundredEuros + R"(","sipUri":"sip:a@b"})"),
                          BodyKind::kCreate, errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(c.name, hundredEuros);

  parseAgentBody(parse(R"({"name":")" + std::string(101, 'x') + R"(","sipUri":"sip:a@b"})"),
                 BodyKind::kCreate, errors);
  EXPECT_EQ(keysOf(errors), (std::vector<std::string>{"name"}));
}

TEST(AgentBodyTest, PatchChangesOnlyWhatIsSentAndNullClearsTheCallerId) {
  admin::FieldErrors errors;
  auto c = parseAgentBody(parse(R"({"mode":"redirect"})"), BodyKind::kPatch, errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(c.mode, "redirect");
  EXPECT_FALSE(c.name || c.sipUri || c.outboundPhoneNumberId);

  c = parseAgentBody(parse(R"({"outboundPhoneNumberId":null})"), BodyKind::kPatch, errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(c.outboundPhoneNumberId, "");

  EXPECT_TRUE(parseAgentBody(parse("{}"), BodyKind::kPatch, errors).empty());
  EXPECT_THAT(errors, IsEmpty());
}

TEST(AgentBodyTest, PatchRefusesNullForFieldsThatCannotBeCleared) {
  admin::FieldErrors errors;
  parseAgentBody(parse(R"({"name":null,"sipUri":null,"mode":null})"), BodyKind::kPatch, errors);
  EXPECT_EQ(keysOf(errors), (std::vector<std::string>{"name", "sipUri", "mode"}));
}

TEST(AgentSipUriTest, SipsIsOnlyForRedirectMode) {
  EXPECT_THAT(sipUriModeProblem("sips:a@example.com", "proxy").value_or(""), HasSubstr("TLS"));
  EXPECT_THAT(sipUriModeProblem("SIPS:a@example.com", "proxy").value_or(""), HasSubstr("TLS"));
  EXPECT_EQ(sipUriModeProblem("sips:a@example.com", "redirect"), std::nullopt);
  EXPECT_EQ(sipUriModeProblem("sip:a@example.com;transport=tcp", "proxy"), std::nullopt);
}

// sipUri is checked by sip::uriTarget, the rule the proxy and the directory use: what it
// refuses is refused here, with what to do instead.
TEST(AgentSipUriTest, RefusesWhatTheProxyCannotReach) {
  EXPECT_THAT(sipUriProblem("sips:a@10.0.0.1;transport=udp").value_or(""),
              HasSubstr("remove ;transport=udp"));
  EXPECT_THAT(sipUriProblem("sip:a@10.0.0.1;transport").value_or(""),
              HasSubstr("is not supported"));
  EXPECT_THAT(sipUriProblem("sip:a@10.0.0.1;transport=TLS").value_or(""),
              HasSubstr("is not supported"));
  EXPECT_EQ(sipUriProblem("sips:a@10.0.0.1;transport=TCP"), std::nullopt);
}

TEST(AgentSipUriTest, UriOfTheGatewaysOwnListenerIsALoop) {
  sip::ProxyOptions self;
  self.host = "gw.example.com";  // --public-sip-uri
  self.port = 5060;
  self.listenAddress = boost::asio::ip::make_address("0.0.0.0");
  self.listenPort = 5070;
  auto at = [](const char* a) {
    return std::vector<boost::asio::ip::address>{boost::asio::ip::make_address(a)};
  };
  EXPECT_THAT(selfTargetProblem("sip:a@GW.example.com", {}, &self).value_or(""),
              HasSubstr("own SIP listener (gw.example.com:5060)"));
  EXPECT_TRUE(selfTargetProblem("sip:a@127.0.0.1:5070;transport=tcp", at("127.0.0.1"), &self));
  EXPECT_TRUE(selfTargetProblem("sip:a@localhost:5070", at("::1"), &self));
  EXPECT_FALSE(selfTargetProblem("sip:a@gw.example.com:5061", {}, &self));
  EXPECT_FALSE(selfTargetProblem("sip:a@127.0.0.1:5071", at("127.0.0.1"), &self));
  EXPECT_FALSE(selfTargetProblem("sip:a@10.0.0.5:5070", at("10.0.0.5"), &self));
  EXPECT_FALSE(selfTargetProblem("sip:a@gw.example.com", {}, nullptr));  // SIP not running
}

}  // namespace
}  // namespace gw::agents
