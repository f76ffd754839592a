// libFuzzer target: arbitrary bytes into gw::http::RequestParser, fed the way a connection
// feeds it (left-over bytes again after each request) in pieces whose size the input picks.
// Checks that the parser never consumes more than it was given and always makes progress.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/http/request_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte: piece size (0 means everything at once); the rest is the stream.
  const size_t piece = data[0] == 0 ? SIZE_MAX : data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  gw::http::RequestParser parser({.maxHeaderBytes = 2048, .maxBodyBytes = 4096});
  std::string pending;
  while (!input.empty()) {
    const size_t n = std::min(piece, input.size());
    pending.append(input.substr(0, n));
    input.remove_prefix(n);
    while (!pending.empty()) {
      const auto r = parser.feed(pending);
      if (r.consumed > pending.size()) std::abort();
      pending.erase(0, r.consumed);
      using Status = gw::http::RequestParser::Status;
      if (r.status == Status::kRequest) {
        gw::http::ParsedRequest p = parser.takeRequest();
        if (p.request.body.size() > 4096) std::abort();
        (void)p.request.header("Content-Type");
        (void)p.request.queryParam("a");
      } else if (r.status == Status::kError || r.status == Status::kFinished) {
        if (r.status == Status::kError && parser.errorReason().empty()) std::abort();
        return 0;
      } else {
        if (!pending.empty()) std::abort();  // kNeedMore takes everything
        break;
      }
    }
  }
  return 0;
}
