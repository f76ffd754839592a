// pointsAtGateway() in a unit of its own: the admin API's agent rules use it too (an agent
// URI must not point back at the gateway) without linking the proxy.
#include "sip/proxy.hpp"
#include "sip/proxy_text.hpp"

namespace gw::sip {

bool pointsAtGateway(const ProxyOptions& options, const boost::asio::ip::address& address,
                     uint16_t port) {
  auto a = text::unmapped(address);
  if (port == options.port) {
    if (auto host = text::parseIp(options.host); host && *host == a) return true;
  }
  if (options.listenPort == 0 || port != options.listenPort) return false;
  auto listen = text::unmapped(options.listenAddress);
  if (a == listen || a.is_unspecified()) return true;
  return listen.is_unspecified() && a.is_loopback();
}

}  // namespace gw::sip
