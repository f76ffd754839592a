#pragma once
// A fresh directory under /tmp for one test or benchmark run, removed with everything in it
// when the object goes. Header-only: tests and benchmarks share it.
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace gw::testsupport {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "gw-test") {
    std::string tmpl = "/tmp/" + std::string(prefix) + "-XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
      throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
    }
    path_ = std::move(tmpl);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace gw::testsupport
