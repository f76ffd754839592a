#include "ctl/api_client.hpp"

#include <cctype>

#include <rapidjson/error/en.h>

namespace gw::ctl {
namespace {

size_t appendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string hintFor(long status) {
  if (status == 401) {
    return "\nhint: the admin token was refused; check --token, GATEWAY_TOKEN or the config file.";
  }
  return "";
}

std::string fieldErrors(const rapidjson::Document& doc) {
  auto it = doc.FindMember("errors");
  if (it == doc.MemberEnd() || !it->value.IsObject()) return "";
  std::string out;
  for (const auto& field : it->value.GetObject()) {
    if (!field.value.IsArray()) continue;
    for (const auto& msg : field.value.GetArray()) {
      if (msg.IsString())
        out += std::string("\n  ") + field.name.GetString() + ": " + msg.GetString();
    }
  }
  return out;
}

std::string stringMember(const rapidjson::Document& doc, const char* name) {
  auto it = doc.FindMember(name);
  return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

std::string escape(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string describeFailure(const std::string& method, const std::string& path,
                            const ApiResponse& r) {
  const std::string where = method + " " + path.substr(0, path.find('?'));
  rapidjson::Document doc;
  if (r.contentType.find("json") != std::string::npos &&
      !doc.Parse(r.body.c_str()).HasParseError() && doc.IsObject()) {
    std::string title = stringMember(doc, "title");
    std::string detail = stringMember(doc, "detail");
    std::string msg = (title.empty() ? "request failed" : title) + " (HTTP " +
                      std::to_string(r.status) + ", " + where + ")";
    if (!detail.empty()) msg += ": " + detail;
    return msg + fieldErrors(doc) + hintFor(r.status);
  }
  std::string body = r.body.substr(0, 200);
  return "HTTP " + std::to_string(r.status) + " from " + where + (body.empty() ? "" : ": " + body) +
         hintFor(r.status);
}

ApiClient::ApiClient(Settings settings) : settings_(std::move(settings)), curl_(curl_easy_init()) {
  if (curl_ == nullptr) throw std::runtime_error("libcurl could not create a handle");
}

ApiClient::~ApiClient() {
  curl_easy_cleanup(curl_);
}

int ApiClient::onProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* client = static_cast<ApiClient*>(self);
  if (client->tick_) client->tick_();
  return 0;
}

ApiResponse ApiClient::send(const std::string& method, const std::string& path,
                            const std::string* jsonBody) {
  ApiResponse r;
  curl_easy_reset(curl_);
  const std::string url = settings_.url + path;
  const std::string auth = "Authorization: Bearer " + settings_.token;
  curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  headers = curl_slist_append(headers, "Accept: application/json, application/problem+json");
  if (jsonBody) headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  if (jsonBody) {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, jsonBody->data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(jsonBody->size()));
  }
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT, timeoutSeconds_);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, &ApiClient::onProgress);
  curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, this);
  const CURLcode rc = curl_easy_perform(curl_);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    throw ApiError(0, "cannot reach the gateway at " + settings_.url + " (" +
                          curl_easy_strerror(rc) +
                          "): check --url / GATEWAY_URL and that gatewayd is running");
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
  char* type = nullptr;
  curl_easy_getinfo(curl_, CURLINFO_CONTENT_TYPE, &type);
  if (type) r.contentType = type;
  return r;
}

rapidjson::Document ApiClient::call(const std::string& method, const std::string& path,
                                    long expected, const std::string* jsonBody) {
  ApiResponse r = send(method, path, jsonBody);
  if (r.status != expected) throw ApiError(r.status, describeFailure(method, path, r));
  rapidjson::Document doc;
  if (r.body.empty()) {
    doc.SetObject();
  } else if (doc.Parse(r.body.c_str()).HasParseError()) {
    throw ApiError(r.status, method + " " + path + " answered a body that is not JSON: " +
                                 rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

}  // namespace gw::ctl
