#include "gateway/sip_listener.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "sip/uri.hpp"

namespace gw::gateway {

namespace asio = boost::asio;

Result<sip::ServerOptions> sipServerOptions(const Config& config) {
  sip::ServerOptions o;
  boost::system::error_code ec;
  o.listenAddress = asio::ip::make_address(config.sipListen.host, ec);
  if (ec) {
    return Error{1, "SIP listen address '" + config.sipListen.host +
                        "' is not an IP address (--sip-listen)"};
  }
  o.listenPort = config.sipListen.port;
  o.workers = config.sipWorkers;
  o.udpBufferBytes = config.sipUdpBufferBytes;
  if (!config.publicSipUri.empty()) {
    auto uri = sip::parseUri(config.publicSipUri);
    if (!uri || uri->host.empty()) {
      return Error{1, "--public-sip-uri '" + config.publicSipUri + "' has no host"};
    }
    o.advertisedHost = std::string(uri->host);
    o.advertisedPort = uri->port != 0 ? uri->port : 5060;
  }
  if (config.sipOutboundProxy) {
    const HostPort& hp = *config.sipOutboundProxy;
    auto ip = asio::ip::make_address(hp.host, ec);
    if (ec) {
      // Start-up only, before any event loop runs: a blocking lookup is acceptable here.
      asio::io_context io;
      asio::ip::udp::resolver resolver(io);
      auto results = resolver.resolve(hp.host, std::to_string(hp.port), ec);
      if (ec || results.empty()) {
        return Error{1, "--sip-outbound-proxy host '" + hp.host + "' does not resolve" +
                            (ec ? ": " + ec.message() : std::string())};
      }
      ip = results.begin()->endpoint().address();
    }
    o.outboundProxy = sip::Peer{ip, hp.port, sip::Transport::kUdp};
  }
  return o;
}

std::string sipStatsJson(const sip::ServerStats& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("workers");
  w.Uint64(s.workers);
  w.Key("requestsByMethod");
  w.StartObject();
  for (const auto& [method, n] : s.requestsByMethod) {
    w.Key(method.c_str());
    w.Uint64(n);
  }
  w.EndObject();
  w.Key("responsesSentByStatus");
  w.StartObject();
  for (const auto& [status, n] : s.responsesSentByStatus) {
    std::string key = std::to_string(status);
    w.Key(key.c_str());
    w.Uint64(n);
  }
  w.EndObject();
  auto field = [&w](const char* name, uint64_t v) {
    w.Key(name);
    w.Uint64(v);
  };
  field("aclDenials", s.aclDenials);
  field("parseErrors", s.parseErrors);
  field("forwardedRequests", s.forwardedRequests);
  field("forwardedResponses", s.forwardedResponses);
  field("responsesReceived", s.responsesReceived);
  field("absorbedAcks", s.absorbedAcks);
  field("dropped", s.dropped);
  field("outboundTcpRefused", s.outboundTcpRefused);
  field("routeDenials", s.routeDenials);
  field("loopsDetected", s.loopsDetected);
  field("tcpConnections", s.tcpConnections);
  field("tcpBufferBytes", s.tcpBufferBytes);
  w.Key("tcpRefused");
  w.StartObject();
  for (const auto& [reason, n] : s.tcpRefused) {
    w.Key(reason.c_str());
    w.Uint64(n);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<std::pair<sip::RouteKey, bool>> loadOrCreateRouteKey(const std::string& dataDir) {
  std::string path = dataDir + "/sip-route-key";
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec) return Error{1, "cannot create data directory " + dataDir + ": " + ec.message()};
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return Error{1, "cannot read " + path + ": " + std::strerror(errno)};
    auto key = sip::parseRouteKey(text.str());
    if (!key) {
      return Error{1, path +
                          " is not 32 hex digits: restore it, or delete it to have a new key "
                          "generated (calls in progress then lose their in-dialog requests)"};
    }
    return std::make_pair(*key, false);
  }
  sip::RouteKey key;
  std::random_device rd;
  for (auto& b : key) b = static_cast<uint8_t>(rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string content;
  for (uint8_t b : key) {
    content += kHex[b >> 4];
    content += kHex[b & 0xf];
  }
  content += '\n';
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{1, "cannot create " + path + ": " + std::strerror(errno)};
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) {
    std::string why = std::strerror(errno);
    ::unlink(path.c_str());  // a partial key would stop the next start
    return Error{1, "cannot write " + path + ": " + why};
  }
  return std::make_pair(key, true);
}

}  // namespace gw::gateway
