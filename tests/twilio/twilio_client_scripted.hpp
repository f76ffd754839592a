#pragma once
// The fixture of TwilioClient's tests against a scripted loopback server: a client on a
// ScriptedHttpServer with fast backoff, and Twilio-shaped number records and list pages.
#include <cstdio>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "tests/async/io_runner.hpp"
#include "tests/twilio/scripted_http_server.hpp"
#include "twilio/twilio_client.hpp"

namespace gw::twilio::scripted {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::RecordedRequest;
using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

inline const std::string kAccount = "AC" + std::string(32, 'a');
inline const std::string kOtherAccount = "AC" + std::string(32, 'b');
inline const std::string kToken = "tok" + std::string(29, '7');  // must never show up anywhere
inline const std::string kNumber = "PN" + std::string(32, '1');
inline const std::string kTrunk = "TK" + std::string(32, 'c');
inline const std::string kAccountPath = "/2010-04-01/Accounts/" + kAccount;

inline std::string numberJson(const std::string& sid, const std::string& phone,
                              const std::string& trunk = "") {
  return R"({"account_sid":")" + kAccount +
         R"(","capabilities":{"voice":true,"sms":false},)"
         R"("friendly_name":"Main line","phone_number":")" +
         phone + R"(","sid":")" + sid + R"(","trunk_sid":)" +
         (trunk.empty() ? "null" : "\"" + trunk + "\"") +
         R"(,"subresource_uris":{"assigned_add_ons":"/x"}})";
}

inline std::string pnSid(int i) {
  char sid[35];
  std::snprintf(sid, sizeof sid, "PN%032d", i);
  return sid;
}

class TwilioClientScriptedTest : public ::testing::Test {
 protected:
  TwilioConfig config() const {
    TwilioConfig c;
    c.apiUrl = server_.url();
    c.trunkingUrl = server_.url();
    c.backoffBase = 1ms;
    c.backoffCap = 5ms;
    c.jitterSeed = 42;
    c.requestTimeout = 10s;
    return c;
  }

  TwilioClient& client(TwilioConfig c) {
    client_ = std::make_unique<TwilioClient>(io_, curl_, std::move(c));
    return *client_;
  }
  TwilioClient& client() { return client(config()); }

  template <typename T>
  T run(asio::awaitable<T> task) {
    return testing::runToCompletion(io_, std::move(task));
  }

  // A server that answers list pages: `pages` pages of `perPage` numbers, linked by
  // next_page_uri with Twilio-style page tokens.
  void servePages(int pages, int perPage) {
    server_.setHandler([pages, perPage](const RecordedRequest& req) {
      int index = 0;
      if (auto at = req.target.find("&Page="); at != std::string::npos) {
        index = std::stoi(req.target.substr(at + 6));
      }
      std::string items;
      for (int i = 0; i < perPage; ++i) {
        if (i) items += ',';
        int n = index * perPage + i;
        items += numberJson(pnSid(n), "+1415555" + std::to_string(1000 + n));
      }
      std::string next = index + 1 < pages
                             ? "\"" + kAccountPath + "/IncomingPhoneNumbers.json?PageSize=" +
                                   std::to_string(perPage) + "&Page=" + std::to_string(index + 1) +
                                   "&PageToken=PA" + std::to_string(index + 1) + "\""
                             : "null";
      return ScriptedResponse::json(
          200, R"({"incoming_phone_numbers":[)" + items + R"(],"next_page_uri":)" + next +
                   R"(,"page":)" + std::to_string(index) + R"(,"previous_page_uri":null})");
    });
  }

  ScriptedHttpServer server_;
  asio::io_context io_;
  CurlClient curl_{io_};
  std::unique_ptr<TwilioClient> client_;
  Credentials creds_{kAccount, kToken};
};

}  // namespace gw::twilio::scripted
