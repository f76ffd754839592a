#pragma once
// Strict readers for Twilio phone number JSON: one IncomingPhoneNumber (or Trunking
// PhoneNumber) record, and a 2010 API list page of up to 1000 of them. A RapidJSON SAX
// handler keeps only the fields the gateway uses and rejects any shape it does not expect
// (a number that is not an object, a missing sid, a non-string next_page_uri ...).
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "twilio/twilio_client.hpp"

namespace gw::twilio {

struct NumberPage {
  std::vector<IncomingNumber> numbers;
  std::string nextPageUri;  // empty when null: this was the last page
};

class NumberParser {
 public:
  // Errors say what was wrong with the shape; they never quote the input.
  static gw::Result<IncomingNumber, std::string> parseNumber(std::string_view json);
  static gw::Result<NumberPage, std::string> parsePage(std::string_view json);
};

}  // namespace gw::twilio
