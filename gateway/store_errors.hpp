#pragma once
// How the admin API answers a store error a handler did not expect: a full store
// (StoreFullError: LMDB map or disk) is 507 problem+json saying what to do, and its cause
// is logged; anything else is left to the server's 500. Runs on the control thread.
#include <exception>
#include <optional>

#include "gateway/http/message.hpp"

namespace gw::gateway {

std::optional<http::Response> storeErrorResponse(const std::exception& error,
                                                 const http::Request& req);

}  // namespace gw::gateway
