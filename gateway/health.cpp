#include "gateway/health.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gw::gateway {

std::pair<int, std::string> readinessJson(const std::vector<ReadinessCheck>& checks,
                                          const WriteReadiness& writes) {
  bool ready = true;
  for (const auto& c : checks) ready = ready && c.ready;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("status");
  w.String(ready ? "ready" : "not ready");
  if (!ready) {
    w.Key("notReady");
    w.StartArray();
    for (const auto& c : checks) {
      if (c.ready) continue;
      w.StartObject();
      w.Key("check");
      w.String(c.name.c_str(), static_cast<rapidjson::SizeType>(c.name.size()));
      w.Key("detail");
      w.String(c.detail.c_str(), static_cast<rapidjson::SizeType>(c.detail.size()));
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("writes");
  w.String(writes.available ? "available" : "unavailable");
  if (!writes.available) {
    w.Key("writesDetail");
    w.String(writes.detail.c_str(), static_cast<rapidjson::SizeType>(writes.detail.size()));
  }
  w.Key("checks");
  w.StartObject();
  for (const auto& c : checks) {
    w.Key(c.name.c_str(), static_cast<rapidjson::SizeType>(c.name.size()));
    w.String(c.ready ? "ready" : "not ready");
  }
  w.EndObject();
  w.EndObject();
  return {ready ? 200 : 503, std::string(buf.GetString(), buf.GetSize())};
}

}  // namespace gw::gateway
