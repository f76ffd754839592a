// libFuzzer target for the Twilio phone number readers (NumberParser): arbitrary bytes as
// the body of one IncomingPhoneNumber and of a list page, what a faulty or hostile Twilio
// endpoint could send. Checks what the import relies on: a number read has a sid and a
// phone number, and a failure always says what was wrong.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "twilio/number_parser.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void checkNumber(const gw::twilio::IncomingNumber& n) {
  check(!n.sid.empty() && !n.phoneNumber.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  using gw::twilio::NumberParser;

  auto number = NumberParser::parseNumber(body);
  if (number) {
    checkNumber(number.value());
  } else {
    check(!number.error().empty());
  }

  auto page = NumberParser::parsePage(body);
  if (page) {
    for (const auto& n : page.value().numbers) checkNumber(n);
  } else {
    check(!page.error().empty());
  }
  return 0;
}
