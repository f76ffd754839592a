#pragma once
// Stored numbers -> routing table entries.
#include <optional>

#include "sip/routing_table.hpp"
#include "store/records.hpp"

namespace gw::store {
class Store;
}

namespace gw::admin {

// nullopt when the record cannot be routed (not E.164 or ids not UUIDs: never for records
// this gateway wrote).
std::optional<sip::Route> routeOf(const store::PhoneNumber& n);

// Start-up: replaces the table's content with every stored number. Returns how many.
size_t rebuildRoutes(const store::Store& store, sip::RoutingTable& table);

}  // namespace gw::admin
