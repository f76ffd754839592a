#include "modules/admin/idempotency.hpp"

#include <openssl/evp.h>

#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "modules/admin/caller.hpp"
#include "store/store.hpp"

namespace gw::admin {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// SHA-256 over the parts, each preceded by its length, so that no two different lists of
// parts hash alike ("ab","c" and "a","bc" differ).
std::string digest(std::initializer_list<std::string_view> parts) {
  using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
  Ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  for (std::string_view part : parts) {
    const uint64_t size = part.size();
    ok = ok && EVP_DigestUpdate(ctx.get(), &size, sizeof size) == 1 &&
         EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), out, &length) == 1;
  if (!ok) throw std::runtime_error("OpenSSL: SHA-256 failed");
  return {reinterpret_cast<const char*>(out), length};
}

// What makes two requests "the same": method, route, path parameters (ids, in any case),
// query and body.
std::string fingerprintOf(const Request& req) {
  std::string params;
  for (const auto& [name, value] : req.params) params += name + "=" + asciiLowerCopy(value) + "\n";
  return digest({req.method, req.route, params, req.query, req.body});
}

std::vector<std::string_view> keyHeaders(const Request& req) {
  std::vector<std::string_view> values;
  for (const auto& h : req.headers) {
    if (equalsIgnoreCase(h.name, kIdempotencyKeyHeader)) values.push_back(h.value);
  }
  return values;
}

Response keyProblem(const Request& req, std::string message) {
  return Response::validationProblem({{std::string(kIdempotencyKeyHeader), std::move(message)}},
                                     req.path);
}

Response replay(const store::IdempotentAnswer& kept) {
  Response r;
  r.status = kept.status;
  for (size_t i = 0; i + 1 < kept.headers.size(); i += 2) {
    r.headers.push_back({kept.headers[i], kept.headers[i + 1]});
  }
  r.body = kept.body;
  r.set(std::string(kReplayedHeader), "true");
  return r;
}

// What is kept of a 2xx answer.
store::IdempotentAnswer keptOf(const std::string& fingerprint, int64_t nowMs,
                               const Response& answer) {
  store::IdempotentAnswer out{fingerprint, nowMs, answer.status, {}, answer.body};
  for (const auto& h : answer.headers) {
    out.headers.push_back(h.name);
    out.headers.push_back(h.value);
  }
  return out;
}

}  // namespace

std::string_view idempotencyKeyOf(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

std::string idempotencyKeyProblem(std::string_view value) {
  const std::string_view key = idempotencyKeyOf(value);
  if (key.empty()) return "is empty";
  if (key.size() > kMaxIdempotencyKeyLength) {
    return "is " + std::to_string(key.size()) + " characters long, more than " +
           std::to_string(kMaxIdempotencyKeyLength);
  }
  for (char c : key) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      return "holds a character that is not printable ASCII, or a quote or backslash";
    }
  }
  return "";
}

awaitable<std::optional<store::IdempotentAnswer>> LocalIdempotencyStore::find(
    const std::string& slot) {
  auto txn = store_.read();
  co_return store_.findIdempotentAnswer(txn, slot);
}

awaitable<bool> LocalIdempotencyStore::begin(const std::string& slot) {
  co_return running_.insert(slot).second;
}

awaitable<void> LocalIdempotencyStore::end(const std::string& slot,
                                           const store::IdempotentAnswer* answer) {
  running_.erase(slot);
  if (!answer) co_return;
  const int64_t windowMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(kIdempotencyWindow).count();
  try {
    auto txn = store_.write();
    // A few expired answers go with each new one, so the table holds about a window's worth.
    store_.purgeIdempotentAnswers(txn, answer->createdMs - windowMs, 64);
    store_.putIdempotentAnswer(txn, slot, *answer);
    txn.commit();
  } catch (const std::exception& e) {
    log::warn("admin",
              "the answer to a request with an Idempotency-Key was not kept, so a "
              "retry with that key will run again: ",
              e.what());
  }
}

Idempotency::Idempotency(IdempotencyStore& store, Clock nowMs)
    : store_(store), now_(nowMs ? std::move(nowMs) : Clock(nowUnixMillis)) {}

http::Handler Idempotency::wrap(http::Handler handler) {
  return [this, handler = std::move(handler)](Request& req) { return handle(handler, req); };
}

awaitable<Response> Idempotency::handle(const http::Handler& handler, Request& req) {
  const auto values = keyHeaders(req);
  if (values.empty()) co_return co_await handler(req);
  if (values.size() > 1) {
    co_return keyProblem(
        req, "Send one Idempotency-Key header; this request has " + std::to_string(values.size()));
  }
  if (auto problem = idempotencyKeyProblem(values[0]); !problem.empty()) {
    co_return keyProblem(req, "The Idempotency-Key " + problem +
                                  "; use 1 to 255 printable ASCII characters, such as a UUID");
  }
  const std::string slot = digest({"idempotency-key", orgOf(req), idempotencyKeyOf(values[0])});
  const std::string fingerprint = fingerprintOf(req);
  const int64_t windowMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(kIdempotencyWindow).count();
  std::optional<store::IdempotentAnswer> kept = co_await store_.find(slot);
  if (kept && kept->createdMs > now_() - windowMs) {
    if (kept->fingerprint == fingerprint) co_return replay(*kept);
    co_return Response::problem(
        422,
        "This Idempotency-Key was used in the last 24 hours for another request (another body, "
        "provider or endpoint); use a new key for a new request",
        req.path);
  }
  if (!co_await store_.begin(slot)) {
    co_return Response::problem(409,
                                "A request with this Idempotency-Key is still running; wait "
                                "for its answer, or send the request again once it has answered",
                                req.path);
  }
  // The run ends with end() below; a coroutine destroyed before (shutdown) abandons it.
  struct Running {
    IdempotencyStore& store;
    const std::string& slot;
    size_t& count;
    bool ended = false;
    ~Running() {
      --count;
      if (!ended) store.abandon(slot);
    }
  } running{store_, slot, ++inFlight_};

  std::exception_ptr failure;
  Response answer;
  try {
    answer = co_await handler(req);
  } catch (...) {
    failure = std::current_exception();
  }
  std::optional<store::IdempotentAnswer> keep;
  if (!failure && answer.status >= 200 && answer.status < 300) {
    keep = keptOf(fingerprint, now_(), answer);
  }
  co_await store_.end(slot, keep ? &*keep : nullptr);
  running.ended = true;
  if (failure) std::rethrow_exception(failure);
  co_return answer;
}

}  // namespace gw::admin
