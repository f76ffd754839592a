#pragma once
// The SID files of `gatewayctl numbers import`: one phone number SID per line; blank lines
// and anything after '#' are ignored, so a retry file ("PN... # reason") can be imported
// again as it is. Lines that are not a SID are reported, not sent.
#include <string>
#include <vector>

namespace gw::ctl {

struct SidFailure {
  std::string sid;  // the SID, or the line's text when it is not one
  std::string reason;
};

struct SidFile {
  std::vector<std::string> sids;     // in file order
  std::vector<SidFailure> rejected;  // lines that are not a phone number SID
};

// Throws std::runtime_error when the file cannot be read.
SidFile readSidFile(const std::string& path);

// "PN... # reason" lines; throws std::runtime_error when the file cannot be written.
void writeRetryFile(const std::string& path, const std::vector<SidFailure>& failures);

bool isPhoneNumberSid(const std::string& text);

}  // namespace gw::ctl
