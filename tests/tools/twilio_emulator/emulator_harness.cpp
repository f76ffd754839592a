#include "tests/tools/twilio_emulator/emulator_harness.hpp"

#include <cctype>
#include <stdexcept>

#include <curl/curl.h>

namespace gw::emulator::testing {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

void ensureCurl() {
  static CurlGlobal global;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*headers)[name] = value;
  }
  return size * count;
}

}  // namespace

rapidjson::Document HttpResult::json() const {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError()) throw std::runtime_error("response is not JSON: " + body);
  return doc;
}

std::string HttpResult::header(const std::string& lowercaseName) const {
  auto it = headers.find(lowercaseName);
  return it == headers.end() ? std::string() : it->second;
}

HttpResult perform(const HttpRequest& request) {
  ensureCurl();
  HttpResult result;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  curl_slist* headers = nullptr;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30'000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  const std::string userpwd = request.user + ":" + request.password;
  if (!request.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
  }
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    const std::string type = "Content-Type: " + request.contentType;
    headers = curl_slist_append(headers, type.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
  const CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    throw std::runtime_error(std::string("curl: ") + curl_easy_strerror(rc) + " for " +
                             request.url);
  }
  return result;
}

Options defaultTestOptions() {
  Options o;
  o.port = 0;
  o.numbersPerAccount = 5;
  o.accounts = {{kAccountA, kTokenA}, {kAccountB, kTokenB}};
  return o;
}

EmulatorHarness::EmulatorHarness(Options options) : work_(io_.get_executor()) {
  options.host = "127.0.0.1";
  options.port = 0;
  emulator_ = std::make_unique<Emulator>(io_, std::move(options));
  if (auto ec = emulator_->listen()) throw std::runtime_error("listen: " + ec.message());
  base_ = "http://127.0.0.1:" + std::to_string(emulator_->localEndpoint().port());
  thread_ = std::thread([this] { io_.run(); });
}

EmulatorHarness::~EmulatorHarness() {
  // Everything, the work guard included, is touched on the io thread only.
  boost::asio::post(io_, [this] {
    emulator_->stop([this] {
      work_.reset();
      io_.stop();
    });
  });
  thread_.join();
}

HttpResult EmulatorHarness::get(const std::string& path, const std::string& user,
                                const std::string& password) const {
  return perform({"GET", url(path), user, password, "", ""});
}

HttpResult EmulatorHarness::post(const std::string& path, const std::string& form,
                                 const std::string& user, const std::string& password) const {
  return perform({"POST", url(path), user, password, form, "application/x-www-form-urlencoded"});
}

HttpResult EmulatorHarness::del(const std::string& path, const std::string& user,
                                const std::string& password) const {
  return perform({"DELETE", url(path), user, password, "", ""});
}

std::vector<std::string> EmulatorHarness::numberSids(const std::string& account) const {
  const HttpResult r = get("/emulator/accounts/" + account + "/numbers", "", "");
  if (r.status != 200) throw std::runtime_error("control route: " + r.body);
  std::vector<std::string> sids;
  const auto doc = r.json();
  for (const auto& item : doc.GetArray()) sids.emplace_back(item["sid"].GetString());
  return sids;
}

std::string EmulatorHarness::createTrunk(const std::string& user,
                                         const std::string& password) const {
  const HttpResult r = post("/v1/Trunks", "FriendlyName=test+trunk", user, password);
  if (r.status != 201) throw std::runtime_error("create trunk: " + r.body);
  return r.json()["sid"].GetString();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // poll interval
  }
}

}  // namespace gw::emulator::testing
