// libFuzzer target for how TwilioClient reads Twilio's answers: the error body of any
// failed call (errorOf), a trunk (trunkFrom), a phone number (numberFrom) and the
// Retry-After header (retryAfter), on arbitrary status, header and body, what a faulty or
// hostile Twilio endpoint could send.
//
// These readers are private to the client, so the client's own source is compiled into this
// target: the fuzzer exercises exactly the production functions, and the client's interface
// stays as narrow as the gateway needs it.
//
// Input: byte 0 picks the HTTP status; the bytes up to the first '\n' are the Retry-After
// value (no header when there is no '\n'); the rest is the body.
#include "twilio/twilio_client.cpp"  // NOLINT(bugprone-suspicious-include)

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

gw::twilio::HttpResponse responseOf(const uint8_t* data, size_t size) {
  static constexpr std::array<int, 10> kStatuses = {0, 200, 201, 204, 400, 401, 404, 429, 500, 503};
  gw::twilio::HttpResponse r;
  r.status = kStatuses[data[0] % kStatuses.size()];
  if (r.status == 0) {
    r.networkError = "Operation timed out";
    r.curlCode = 28;
  }
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (auto nl = rest.find('\n'); nl != std::string_view::npos) {
    r.headers.emplace_back("retry-after", std::string(rest.substr(0, nl)));
    rest.remove_prefix(nl + 1);
  }
  r.body.assign(rest);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const gw::twilio::HttpResponse r = responseOf(data, size);

  const gw::twilio::TwilioError e = gw::twilio::errorOf(r);
  check(e.httpStatus == r.status && !e.message.empty() && !e.describe().empty());
  if (r.status == 0) check(e.message == r.networkError);

  if (auto trunk = gw::twilio::trunkFrom(r)) {
    check(!trunk.value().sid.empty());
  } else {
    check(!trunk.error().message.empty());
  }
  if (auto number = gw::twilio::numberFrom(r)) {
    check(!number.value().sid.empty() && !number.value().phoneNumber.empty());
  } else {
    check(!number.error().message.empty());
  }
  if (auto after = gw::twilio::retryAfter(r)) check(after->count() >= 0);
  (void)gw::twilio::retryable(r, gw::twilio::Repeat::kAfterAnyFailure);
  (void)gw::twilio::retryable(r, gw::twilio::Repeat::kOnlyWhenNotProcessed);
  return 0;
}
