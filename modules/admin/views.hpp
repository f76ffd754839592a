#pragma once
// The API's JSON shapes of stored records. The auth token never appears.
#include "modules/admin/json_io.hpp"
#include "store/records.hpp"

namespace gw::admin {

void writeProvider(JsonWriter& w, const store::Provider& p, uint64_t phoneNumberCount);
void writeNumber(JsonWriter& w, const store::PhoneNumber& n);

std::string providerJson(const store::Provider& p, uint64_t phoneNumberCount);
std::string numberJson(const store::PhoneNumber& n);

}  // namespace gw::admin
