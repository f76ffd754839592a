#include "modules/admin/idempotency.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "modules/admin/caller.hpp"
#include "store/store.hpp"
#include "tests/async/io_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::admin {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
using twilio::testing::runToCompletion;
using twilio::testing::runUntil;

constexpr int64_t kHourMs = 3'600'000;

class IdempotencyTest : public ::testing::Test {
 protected:
  IdempotencyTest()
      : store_(store::Store::open(dir_.path(), store::StoreOptions{size_t{64} << 20, false})),
        local_(std::make_unique<LocalIdempotencyStore>(*store_)),
        keys_(std::make_unique<Idempotency>(*local_, [this] { return now_; })) {}

  // A POST of the provider `id` with `body`, for `org`, with `key` when set.
  Request post(std::string body, std::optional<std::string> key, const Caller& org,
               std::string id = "p-1") {
    Request req;
    req.method = "POST";
    req.route = "/api/v1/providers/twilio/{id}/import-numbers";
    req.path = "/api/v1/providers/twilio/" + id + "/import-numbers";
    req.params["id"] = id;
    req.body = std::move(body);
    if (key) req.headers.push_back({"Idempotency-Key", *key});
    req.attachment.set(org);
    return req;
  }

  // The handler behind the key: answers `status_` with a body naming its run.
  http::Handler handler() {
    return keys_->wrap([this](Request&) -> awaitable<Response> {
      ++runs_;
      Response r = Response::json(status_, R"({"run":)" + std::to_string(runs_) + "}");
      r.set("Location", "/api/v1/things/" + std::to_string(runs_));
      co_return r;
    });
  }

  Response send(Request req) {
    auto h = handler();
    return runToCompletion(io_, h(req));
  }

  static std::optional<std::string> header(const Response& r, std::string_view name) {
    for (const auto& h : r.headers) {
      if (h.name == name) return h.value;
    }
    return std::nullopt;
  }

  testsupport::TempDir dir_{"idempotency"};
  boost::asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  int64_t now_ = 1'800'000'000'000;
  std::unique_ptr<LocalIdempotencyStore> local_;
  std::unique_ptr<Idempotency> keys_;
  int runs_ = 0;
  int status_ = 200;
  Caller orgA_{"org-a"};
  Caller orgB_{"org-b"};
};

TEST_F(IdempotencyTest, WithoutAKeyEveryRequestRuns) {
  EXPECT_EQ(send(post("{}", std::nullopt, orgA_)).body, R"({"run":1})");
  EXPECT_EQ(send(post("{}", std::nullopt, orgA_)).body, R"({"run":2})");
  EXPECT_EQ(store_->countIdempotentAnswers(store_->read()), 0u);
}

TEST_F(IdempotencyTest, TheSameKeyAndRequestReplayTheFirstAnswer) {
  status_ = 201;
  Response first = send(post(R"({"a":1})", "key-1", orgA_));
  Response again = send(post(R"({"a":1})", "key-1", orgA_));
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(header(again, "Location"), "/api/v1/things/1");
  EXPECT_EQ(header(again, "Content-Type"), header(first, "Content-Type"));
  EXPECT_EQ(header(again, "Idempotent-Replayed"), "true");
  EXPECT_FALSE(header(first, "Idempotent-Replayed"));
  // The id in another case is the same provider, and the quoted form the same key.
  Response upper = send(post(R"({"a":1})", "\"key-1\"", orgA_, "P-1"));
  EXPECT_EQ(upper.body, first.body);
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotencyTest, TheSameKeyWithAnotherRequestIsRefusedAndRunsNothing) {
  send(post(R"({"a":1})", "key-1", orgA_));
  Response otherBody = send(post(R"({"a":2})", "key-1", orgA_));
  EXPECT_EQ(otherBody.status, 422);
  EXPECT_NE(otherBody.body.find("use a new key for a new request"), std::string::npos);
  Response otherProvider = send(post(R"({"a":1})", "key-1", orgA_, "p-2"));
  EXPECT_EQ(otherProvider.status, 422);
  EXPECT_EQ(runs_, 1);
  // The first answer is still the one kept.
  EXPECT_EQ(send(post(R"({"a":1})", "key-1", orgA_)).body, R"({"run":1})");
}

TEST_F(IdempotencyTest, KeysBelongToAnOrg) {
  send(post("{}", "key-1", orgA_));
  EXPECT_EQ(send(post("{}", "key-1", orgB_)).body, R"({"run":2})");
  EXPECT_EQ(send(post(R"({"other":true})", "key-1", orgB_)).status, 422);  // org B's own key
  EXPECT_EQ(runs_, 2);
}

TEST_F(IdempotencyTest, AnswersThatChangedNothingAreNotKept) {
  status_ = 502;
  EXPECT_EQ(send(post("{}", "key-1", orgA_)).status, 502);
  status_ = 200;
  Response retried = send(post("{}", "key-1", orgA_));
  EXPECT_EQ(retried.body, R"({"run":2})");
  EXPECT_FALSE(header(retried, "Idempotent-Replayed"));
  EXPECT_EQ(send(post("{}", "key-1", orgA_)).body, R"({"run":2})");
  EXPECT_EQ(runs_, 2);
}

TEST_F(IdempotencyTest, AnswersAreForgottenAfterTheWindow) {
  send(post("{}", "key-1", orgA_));
  now_ += 24 * kHourMs - 1;
  EXPECT_EQ(send(post("{}", "key-1", orgA_)).body, R"({"run":1})");
  now_ += 1;
  // Expired: the key may be used again, even for another request, and the new answer is kept.
  EXPECT_EQ(send(post(R"({"new":1})", "key-1", orgA_)).body, R"({"run":2})");
  EXPECT_EQ(send(post(R"({"new":1})", "key-1", orgA_)).body, R"({"run":2})");
}

TEST_F(IdempotencyTest, ExpiredAnswersLeaveTheStoreAsNewOnesComeIn) {
  send(post("{}", "key-1", orgA_));
  send(post("{}", "key-2", orgA_));
  EXPECT_EQ(store_->countIdempotentAnswers(store_->read()), 2u);
  now_ += 25 * kHourMs;
  send(post("{}", "key-3", orgA_));
  EXPECT_EQ(store_->countIdempotentAnswers(store_->read()), 1u);
}

TEST_F(IdempotencyTest, AnswersOutliveARestart) {
  send(post("{}", "key-1", orgA_));
  keys_.reset();
  local_.reset();
  store_.reset();
  store_ = store::Store::open(dir_.path(), store::StoreOptions{size_t{64} << 20, false});
  local_ = std::make_unique<LocalIdempotencyStore>(*store_);
  keys_ = std::make_unique<Idempotency>(*local_, [this] { return now_; });
  Response again = send(post("{}", "key-1", orgA_));
  EXPECT_EQ(again.body, R"({"run":1})");
  EXPECT_EQ(header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotencyTest, TheKeyOfARequestStillRunningIsRefused) {
  boost::asio::steady_timer gate(io_, std::chrono::steady_clock::time_point::max());
  bool started = false;
  auto slow = keys_->wrap([&](Request&) -> awaitable<Response> {
    started = true;
    boost::system::error_code ec;
    co_await gate.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    co_return Response::json(200, "{}");
  });
  std::optional<Response> first;
  Request req = post("{}", "key-1", orgA_);
  boost::asio::co_spawn(
      io_, [&]() -> awaitable<void> { first = co_await slow(req); }, boost::asio::detached);
  ASSERT_TRUE(runUntil(io_, [&] { return started; }));

  // While the first waits, io_ never runs out of work: the second is run in slices.
  std::optional<Response> second;
  auto h = handler();
  Request req2 = post("{}", "key-1", orgA_);
  boost::asio::co_spawn(
      io_, [&]() -> awaitable<void> { second = co_await h(req2); }, boost::asio::detached);
  ASSERT_TRUE(runUntil(io_, [&] { return second.has_value(); }));
  EXPECT_EQ(second->status, 409);
  EXPECT_NE(second->body.find("still running"), std::string::npos);
  EXPECT_EQ(runs_, 0);
  EXPECT_EQ(keys_->inFlight(), 1u);

  gate.cancel();
  ASSERT_TRUE(runUntil(io_, [&] { return first.has_value(); }));
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(keys_->inFlight(), 0u);
  EXPECT_EQ(send(post("{}", "key-1", orgA_)).body, "{}");  // now a replay
}

TEST_F(IdempotencyTest, BadKeysAreRefusedBeforeAnythingRuns) {
  for (std::string key : {std::string(), std::string("\"\""), std::string(256, 'k'),
                          std::string("tab\there"), std::string("caf\xc3\xa9")}) {
    Response r = send(post("{}", key, orgA_));
    EXPECT_EQ(r.status, 400) << key;
    EXPECT_NE(r.body.find("Idempotency-Key"), std::string::npos) << r.body;
  }
  Request twice = post("{}", "key-1", orgA_);
  twice.headers.push_back({"idempotency-key", "key-2"});
  Response r = send(std::move(twice));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Send one Idempotency-Key header"), std::string::npos) << r.body;
  EXPECT_EQ(runs_, 0);
  EXPECT_EQ(send(post("{}", std::string(255, 'k'), orgA_)).status, 200);
}

TEST(IdempotencyKeyTest, QuotesAreNotPartOfTheKey) {
  EXPECT_EQ(idempotencyKeyOf("\"abc\""), "abc");
  EXPECT_EQ(idempotencyKeyOf("abc"), "abc");
  EXPECT_EQ(idempotencyKeyOf("\""), "\"");
  EXPECT_EQ(idempotencyKeyProblem("\""),
            "holds a character that is not printable ASCII, or a "
            "quote or backslash");
  EXPECT_EQ(idempotencyKeyProblem("8e03978e-40d5-43e8-bc93-6894a57f9324"), "");
}

}  // namespace
}  // namespace gw::admin
