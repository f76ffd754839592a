#include "ctl/sid_file.hpp"

#include <fstream>
#include <stdexcept>

namespace gw::ctl {

bool isPhoneNumberSid(const std::string& t) {
  if (t.size() != 34 || t[0] != 'P' || t[1] != 'N') return false;
  for (size_t i = 2; i < t.size(); ++i) {
    const char c = t[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

SidFile readSidFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the SID file " + path);
  SidFile out;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    line = line.substr(0, line.find('#'));
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const auto e = line.find_last_not_of(" \t\r");
    std::string text = line.substr(b, e - b + 1);
    if (isPhoneNumberSid(text)) {
      out.sids.push_back(std::move(text));
    } else {
      out.rejected.push_back(
          {text, "line " + std::to_string(n) +
                     " is not a phone number SID ('PN' followed by 32 lowercase hex "
                     "characters): not sent"});
    }
  }
  return out;
}

void writeRetryFile(const std::string& path, const std::vector<SidFailure>& failures) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write the retry file " + path);
  out << "# SIDs that were not imported, each with the reason. Fix the cause, then:\n"
      << "#   gatewayctl numbers import --provider ID --file " << path << "\n";
  for (const auto& f : failures) {
    std::string reason = f.reason;
    for (char& c : reason) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out << f.sid << "  # " << reason << "\n";
  }
  out.flush();
  if (!out) throw std::runtime_error("cannot write the retry file " + path);
}

}  // namespace gw::ctl
