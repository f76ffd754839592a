#pragma once
// How the Twilio client reads Twilio's HTTP answers and writes its requests: which failures
// may be repeated, Twilio's error body, Retry-After, throttling, form encoding. Internal to
// the twilio library (twilio_client.cpp); pure functions, any thread.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "twilio/api.hpp"
#include "twilio/curl_client.hpp"

namespace gw::twilio::wire {

// How far a failed attempt may be repeated. Reads, deletes and attachments can be
// repeated after any failure: doing them twice leaves what doing them once leaves. A
// create (a new trunk, a new origination URL) that reached Twilio may have created the
// resource even when the answer was a 5xx or was lost, and repeating it could leave a
// second trunk in the customer's account that nothing refers to.
enum class Repeat { kAfterAnyFailure, kOnlyWhenNotProcessed };

// HttpResponse::curlCode of requests this client did not send (no CURLcode is negative).
inline constexpr int kCircuitOpen = -1;
inline constexpr int kDeadlinePassed = -2;
inline constexpr int kDeadlinePassedUnsent = -3;  // and no attempt of the call was sent

using Fields = std::vector<std::pair<std::string, std::string>>;

// A transfer that ended without an HTTP answer for a reason that says Twilio may be
// unreachable (as opposed to this client aborting it, or a malformed request).
bool networkFailure(const HttpResponse& r);
// A request this client did not send, with `why` (one of the codes above) and a message.
HttpResponse notSent(int why, std::string message);
// "12 s", or "450 ms" below a second.
std::string spanText(std::chrono::milliseconds d);
// Percent-encodes everything but RFC 3986 unreserved characters: '+' becomes %2B (Twilio
// would read a bare '+' as a space), and a SID can never add a path segment.
std::string percentEncode(std::string_view s);
// application/x-www-form-urlencoded, in the fields' order.
std::string form(const Fields& fields);
// A string member of a JSON object, or "" when absent or not a string.
std::string str(const rapidjson::Value& obj, const char* name);
// The connection never carried the request.
bool neverReachedTwilio(const HttpResponse& r);
// Requests that were certainly not processed (429: Twilio documents it; no connection),
// and, when `repeat` allows, those that failed on the server (5xx) or in the network. A
// transfer this client aborted itself (shutdown) or could not even start is final.
bool retryable(const HttpResponse& r, Repeat repeat);
// Twilio's error body: {"code":20404,"message":"...","more_info":"https://...","status":404}.
TwilioError errorOf(const HttpResponse& r);
TwilioError malformed(const HttpResponse& r, std::string_view what);
// Retry-After in delta-seconds; HTTP dates are not used by Twilio and are ignored.
std::optional<std::chrono::seconds> retryAfter(const HttpResponse& r);
// Twilio refused the request for load: 429, whose code is 20429 ("Too Many Requests"), or
// that code with another status.
bool throttledAnswer(const HttpResponse& r);

}  // namespace gw::twilio::wire
