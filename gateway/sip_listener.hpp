#pragma once
// The SIP side of gatewayd's wiring: sip::ServerOptions from the configuration and the
// JSON of GET /api/v1/sip/stats. Kept out of app.cpp so the wiring stays readable.
#include <string>
#include <utility>

#include "common/result.hpp"
#include "gateway/config.hpp"
#include "sip/server.hpp"

namespace gw::gateway {

// --sip-listen, --sip-workers, --public-sip-uri (the host:port written in Via and
// Record-Route) and --sip-outbound-proxy (resolved here, once, at start-up).
Result<sip::ServerOptions> sipServerOptions(const Config& config);

// {"workers":N,"requestsByMethod":{"INVITE":n...},"responsesSentByStatus":{"404":n...},
//  "aclDenials":n,"parseErrors":n,"forwardedRequests":n,"forwardedResponses":n,...,
//  "outboundTcpRefused":n,"tcpConnections":n,"tcpBufferBytes":n,
//  "tcpRefused":{"acl":n,"sourceFull":n,...}}
std::string sipStatsJson(const sip::ServerStats& stats);

// Reads <dataDir>/sip-route-key (32 hex digits), or creates it (mode 0600) with a new
// random key: the key of the MAC in the gateway's Record-Route URIs. It must outlive a
// restart, or the in-dialog requests (BYE, re-INVITE) of calls in progress are refused.
// Returns the key and whether it was created now.
Result<std::pair<sip::RouteKey, bool>> loadOrCreateRouteKey(const std::string& dataDir);

}  // namespace gw::gateway
