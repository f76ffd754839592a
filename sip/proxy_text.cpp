#include "sip/proxy_text.hpp"

#include <array>
#include <charconv>
#include <random>

#include "common/text.hpp"
#include "sip/message.hpp"
#include "sip/uri.hpp"

namespace gw::sip::text {
namespace {

using sip::detail::trimLws;

constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kMagicCookie = "z9hG4bK";  // RFC 3261 branch prefix
// Seeds drawn once per process: with fixed seeds anyone could compute the branch of our
// Via and forge a response that the gateway would relay to an address of their choosing.
// Every worker shares them, so a CANCEL or ACK hashes to its INVITE's branch whichever
// worker it reaches; a gateway restart drops the responses of calls set up before it.
struct Seeds {
  uint64_t tag, branchA, branchB;
};
const Seeds& seeds() {
  static const Seeds s = [] {
    std::random_device rd;
    auto draw = [&rd] { return (uint64_t{rd()} << 32) ^ rd(); };
    return Seeds{draw(), draw(), draw()};
  }();
  return s;
}

}  // namespace

uint64_t hash64(uint64_t seed, std::initializer_list<std::string_view> pieces) {
  uint64_t h = seed;
  for (std::string_view p : pieces) {
    for (char c : p) {
      h ^= static_cast<uint8_t>(c);
      h *= kFnvPrime;
    }
    h *= kFnvPrime;  // the 0 separator: x ^ 0 == x
  }
  return h;
}

void appendHex64(std::string& out, uint64_t v) {
  char buf[16];
  for (int i = 15; i >= 0; --i) {
    buf[i] = kHex[v & 0xf];
    v >>= 4;
  }
  out.append(buf, sizeof buf);
}

std::string_view formatDecimal(std::array<char, 24>& buf, uint64_t v) {
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  (void)ec;  // 24 bytes always suffice for a uint64_t
  return {buf.data(), static_cast<size_t>(end - buf.data())};
}

void appendDecimal(std::string& out, uint64_t v) {
  std::array<char, 24> buf;
  out += formatDecimal(buf, v);
}

void appendUuid(std::string& out, const UuidBytes& u) {
  for (size_t i = 0; i < u.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[u[i] >> 4];
    out += kHex[u[i] & 0xf];
  }
}

void appendAddress(std::string& out, const boost::asio::ip::address& a) {
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    for (size_t i = 0; i < b.size(); ++i) {
      if (i) out += '.';
      appendDecimal(out, b[i]);
    }
    return;
  }
  out += a.to_string();  // IPv6 is rare on this path; the allocation is acceptable
}

void appendHostPort(std::string& out, std::string_view host, uint16_t port) {
  bool v6 = host.find(':') != std::string_view::npos && host.front() != '[';
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
  if (port != 0) {
    out += ':';
    appendDecimal(out, port);
  }
}

boost::asio::ip::address unmapped(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

std::optional<boost::asio::ip::address> parseIp(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host.size() > 64) return std::nullopt;
  // Cheap rejection of host names before asking Asio (which copies into a std::string).
  bool maybeIp = true;
  for (char c : host) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == '.' || c == ':' || c == '%';
    if (!ok) maybeIp = false;
  }
  if (!maybeIp) return std::nullopt;
  char buf[72];
  host.copy(buf, host.size());
  buf[host.size()] = '\0';
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(static_cast<const char*>(buf), ec);
  if (ec) return std::nullopt;
  return unmapped(a);
}

void appendParamsWithout(std::string& out, std::string_view params,
                         std::initializer_list<std::string_view> names) {
  while (!params.empty()) {
    if (params.front() == ';') {
      params.remove_prefix(1);
      continue;
    }
    size_t end = params.find(';');
    std::string_view p = trimLws(params.substr(0, end));
    params = end == std::string_view::npos ? std::string_view{} : params.substr(end);
    if (p.empty()) continue;
    std::string_view name = trimLws(p.substr(0, p.find('=')));
    bool skip = false;
    for (std::string_view n : names) {
      if (equalsIgnoreCase(name, n)) skip = true;
    }
    if (skip) continue;
    out += ';';
    out += p;
  }
}

void appendViaWithReceived(std::string& out, std::string_view via, const Via& parsed,
                           const boost::asio::ip::address& sourceAddress, uint16_t sourcePort) {
  size_t semi = via.find(';');
  std::string_view sentBy = trimLws(via.substr(0, semi));
  std::string_view params = semi == std::string_view::npos ? std::string_view{} : via.substr(semi);
  bool rport = parsed.rport().has_value();
  auto hostIp = parseIp(parsed.host);
  bool received = rport || !hostIp || *hostIp != unmapped(sourceAddress);
  out += sentBy;
  appendParamsWithout(out, params, {"received", "rport"});
  if (rport) {
    out += ";rport=";
    appendDecimal(out, sourcePort);
  }
  if (received) {
    out += ";received=";
    appendAddress(out, unmapped(sourceAddress));
  }
}

void appendLocalTag(std::string& out, std::string_view callId) {
  out += "gw";
  appendHex64(out, hash64(seeds().tag, {callId}));
}

void appendBranch(std::string& out, const Message& m, std::string_view viaValue,
                  const std::optional<Via>& via) {
  std::optional<std::string_view> branch = via ? via->branch() : std::nullopt;
  std::array<char, 24> portBuf;
  std::string_view host = via ? via->host : viaValue;
  std::string_view port = formatDecimal(portBuf, via ? via->port : 0);
  uint64_t a = 0;
  uint64_t b = 0;
  if (branch && branch->substr(0, kMagicCookie.size()) == kMagicCookie) {
    // RFC 3261 clients: branch and sent-by identify the transaction (17.2.3); a CANCEL and
    // the ACK of a non-2xx answer carry the INVITE's branch, so they derive the same one.
    a = hash64(seeds().branchA, {*branch, host, port});
    b = hash64(seeds().branchB, {*branch, host, port});
  } else {
    // RFC 2543 clients (16.11): fields an INVITE shares with its CANCEL, its ACK and the
    // responses to it. The To tag is left out because the ACK of a non-2xx answer has one
    // and the INVITE does not; the Request-URI because responses do not carry it.
    std::string_view fromTag;
    if (const Header* f = m.find(HeaderId::kFrom)) {
      if (auto na = parseNameAddr(f->value)) fromTag = na->tag().value_or("");
    }
    std::array<char, 24> cseqBuf;
    std::string_view cseq = formatDecimal(cseqBuf, m.cseqNumber);
    a = hash64(seeds().branchA, {fromTag, m.callId, host, port, cseq});
    b = hash64(seeds().branchB, {fromTag, m.callId, host, port, cseq});
  }
  out += kBranchPrefix;
  appendHex64(out, a);
  appendHex64(out, b);
}

}  // namespace gw::sip::text
