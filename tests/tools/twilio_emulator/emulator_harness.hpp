#pragma once
// Runs a Twilio emulator on 127.0.0.1:0 on its own io_context thread, and a blocking
// libcurl client to talk to it from the test thread (or several test threads at once).
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "tools/twilio_emulator/emulator.hpp"
#include "tools/twilio_emulator/options.hpp"

namespace gw::emulator::testing {

inline constexpr char kAccountA[] = "AC0123456789abcdef0123456789abcdef";
inline constexpr char kTokenA[] = "aaaabbbbccccddddeeeeffff00001111";
inline constexpr char kAccountB[] = "ACfedcba9876543210fedcba9876543210";
inline constexpr char kTokenB[] = "11112222333344445555666677778888";

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lowercased

  rapidjson::Document json() const;
  std::string header(const std::string& lowercaseName) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::string user;  // Basic auth when non-empty
  std::string password;
  std::string body;  // sent as the POST body
  std::string contentType = "application/x-www-form-urlencoded";
};

// Blocking; safe to call from several threads at once (one curl handle per call).
HttpResult perform(const HttpRequest& request);

// Two accounts (A and B) unless the options name others; port forced to 0.
Options defaultTestOptions();

class EmulatorHarness {
 public:
  explicit EmulatorHarness(Options options = defaultTestOptions());
  ~EmulatorHarness();

  std::string url(const std::string& path) const { return base_ + path; }

  HttpResult get(const std::string& path, const std::string& user = kAccountA,
                 const std::string& password = kTokenA) const;
  HttpResult post(const std::string& path, const std::string& form,
                  const std::string& user = kAccountA, const std::string& password = kTokenA) const;
  HttpResult del(const std::string& path, const std::string& user = kAccountA,
                 const std::string& password = kTokenA) const;

  // Runs `fn` on the emulator's thread and waits for its result.
  template <typename Fn>
  auto onIo(Fn fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  Emulator& emulator() { return *emulator_; }

  // Helpers over the control route and the trunking API.
  std::vector<std::string> numberSids(const std::string& account = kAccountA) const;
  std::string createTrunk(const std::string& user = kAccountA,
                          const std::string& password = kTokenA) const;

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<Emulator> emulator_;
  std::string base_;
  std::thread thread_;
};

// Polls `condition` until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace gw::emulator::testing
