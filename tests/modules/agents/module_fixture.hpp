#pragma once
// A store, routing table, directory and router with the import and agents modules, for
// driving the agents module's handlers without network: what each change does to the
// routing table and the published directory by the time the handler returns, and what a
// refused change leaves untouched.
#include <memory>
#include <optional>
#include <string>

#include <rapidjson/document.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/e164.hpp"
#include "common/uuid.hpp"
#include "modules/agents/agents_module.hpp"
#include "modules/admin/caller.hpp"
#include "twilio/curl_client.hpp"
#include "modules/admin/attach_journal.hpp"
#include "modules/admin/directory_sync.hpp"
#include "modules/admin/local_write_path.hpp"
#include "modules/import/import_module.hpp"
#include "modules/admin/route_binding.hpp"
#include "twilio/twilio_client.hpp"
#include "sip/cidr.hpp"
#include "sip/directory.hpp"
#include "sip/routing_table.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::agents::testing {

namespace asio = boost::asio;

inline constexpr const char* kOrg = "org-1";
inline constexpr const char* kNumber1 = "+14155550101";
inline constexpr const char* kNumber2 = "+14155550102";

inline rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d;
}

inline std::string str(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd()) return "<missing>";
  if (it->value.IsNull()) return "<null>";
  return it->value.IsString() ? it->value.GetString() : "<not a string>";
}

class ModuleFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    // Trusted: loopback, as the integration tests run gatewayd.
    trusted_.push_back(*sip::Cidr::parse("127.0.0.0/8"));
    store_ = store::Store::open(dir_.path(), store::StoreOptions{size_t{256} << 20, false});
    twilio::TwilioConfig tc;
    // Nothing listens there: a test that reaches Twilio fails loudly instead of hanging.
    tc.apiUrl = tc.trunkingUrl = "http://127.0.0.1:9";
    tc.maxAttempts = 1;
    curl_ = std::make_unique<twilio::CurlClient>(io_);
    twilio_ = std::make_unique<twilio::TwilioClient>(io_, *curl_, tc);
    sync_ = std::make_unique<admin::DirectorySync>(io_, *store_, holder_, trusted_);
    writes_ = std::make_unique<admin::LocalWritePath>(*store_, routes_, *sync_);
    journal_ = std::make_unique<admin::AttachJournal>(*store_);
    ctx_ = std::make_unique<admin::Context>(
        admin::Context{io_, *store_, routes_, *twilio_, "sip:gw", *sync_, *writes_, *journal_});
    imports_ = std::make_unique<import::ImportModule>(*ctx_);
    agents_ = std::make_unique<AgentsModule>(*ctx_);
    imports_->registerRoutes(router_);
    agents_->registerRoutes(router_);

    provider_ = addProvider(kOrg);
    number1_ = addNumber(provider_, kNumber1);
    number2_ = addNumber(provider_, kNumber2);
    writes_->load();
  }

  void TearDown() override {
    agents_.reset();
    imports_.reset();
    ctx_.reset();
    journal_.reset();
    writes_.reset();
    sync_.reset();
    twilio_.reset();
    curl_.reset();
    store_.reset();
  }

  store::Provider addProvider(const std::string& org) {
    store::Provider p;
    p.id = newUuid();
    p.orgId = org;
    p.accountSid = "AC" + std::string(32, 'a');
    p.authToken = std::string(32, 'b');
    p.trunkSid = "TK" + std::string(32, 'c');
    p.allowedAddresses = {"54.172.60.0/30"};
    auto txn = store_->write();
    store_->putProvider(txn, p);
    txn.commit();
    return p;
  }

  store::PhoneNumber addNumber(const store::Provider& p, const std::string& e164) {
    store::PhoneNumber n;
    n.id = newUuid();
    n.orgId = p.orgId;
    n.providerId = p.id;
    n.phoneNumberSid = "PN" + std::string(28, '0') + e164.substr(e164.size() - 4);
    n.phoneNumber = e164;
    auto txn = store_->write();
    store_->insertNumber(txn, n);
    txn.commit();
    return n;
  }

  http::Response call(const std::string& method, const std::string& target,
                      std::optional<std::string> body = std::nullopt,
                      const std::string& org = kOrg) {
    http::Request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    const admin::Caller caller{org};  // outlives the handler, which runs below
    req.attachment.set(caller);
    if (body) {
      req.headers.push_back({"Content-Type", "application/json"});
      req.body = *body;
    }
    auto match = router_.match(req);
    if (!match.handler) {
      ADD_FAILURE() << "no route for " << method << " " << target;
      return {};
    }
    std::optional<http::Response> out;
    std::exception_ptr error;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { out = co_await (*match.handler)(req); },
        [&](std::exception_ptr e) { error = e; });
    io_.restart();
    io_.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  std::string createAgent(const std::string& name, const std::string& sipUri,
                          const std::string& mode = "proxy") {
    auto resp =
        call("POST", "/api/v1/agents",
             R"({"name":")" + name + R"(","sipUri":")" + sipUri + R"(","mode":")" + mode + R"("})");
    EXPECT_EQ(resp.status, 201) << resp.body;
    return str(parse(resp.body), "id");
  }

  UuidBytes routedAgent(const std::string& e164) {
    auto r = routes_.lookup(*e164Key(e164));
    EXPECT_TRUE(r.has_value()) << e164;
    return r ? r->agentId : UuidBytes{};
  }

  std::vector<sip::Cidr> trusted_;
  testsupport::TempDir dir_{"gw-agents"};  // removed after store_ closes
  asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  sip::RoutingTable routes_{4};
  sip::DirectoryHolder holder_;
  std::unique_ptr<twilio::CurlClient> curl_;
  std::unique_ptr<twilio::TwilioClient> twilio_;
  std::unique_ptr<admin::DirectorySync> sync_;
  std::unique_ptr<admin::LocalWritePath> writes_;
  std::unique_ptr<admin::AttachJournal> journal_;
  std::unique_ptr<admin::Context> ctx_;
  std::unique_ptr<import::ImportModule> imports_;
  std::unique_ptr<AgentsModule> agents_;
  http::Router router_;
  store::Provider provider_;
  store::PhoneNumber number1_;
  store::PhoneNumber number2_;
};

}  // namespace gw::agents::testing
