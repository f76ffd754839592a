#include "modules/admin/problem.hpp"

namespace gw::admin {

namespace {

int statusOf(Fault fault) {
  switch (fault) {
    case Fault::kUnreadable:
    case Fault::kInvalid:
      return 400;
    case Fault::kMediaType:
      return 415;
    case Fault::kNotFound:
      return 404;
    case Fault::kConflict:
      return 409;
    case Fault::kRejected:
      return 422;
    case Fault::kUpstream:
      return 502;
  }
  return 500;
}

}  // namespace

http::Response problemOf(const DomainError& error, std::string_view instance) {
  if (error.fault == Fault::kInvalid) return http::Response::validationProblem(error.fields, instance);
  const int status = statusOf(error.fault);
  if (error.linkedPhoneNumberIds) {
    return problemWithMembers(status, error.detail, instance, [&](JsonWriter& w) {
      writeKey(w, "linkedPhoneNumberIds");
      w.StartArray();
      for (const auto& id : *error.linkedPhoneNumberIds) writeText(w, id);
      w.EndArray();
    });
  }
  if (!error.affectedAgents.empty()) {
    return problemWithMembers(status, error.detail, instance, [&](JsonWriter& w) {
      writeKey(w, "affectedAgents");
      writeAgentUses(w, error.affectedAgents);
    });
  }
  return http::Response::problem(status, error.detail, instance);
}

void writeAgentUse(JsonWriter& w, const AgentUse& use) {
  w.StartObject();
  writeString(w, "agentId", use.agentId);
  writeString(w, "name", use.name);
  writeString(w, "usage", use.usage);
  w.EndObject();
}

void writeAgentUses(JsonWriter& w, const std::vector<AgentUse>& uses) {
  w.StartArray();
  for (const auto& u : uses) writeAgentUse(w, u);
  w.EndArray();
}

http::Response problemWithMembers(int status, std::string_view detail, std::string_view instance,
                                  const std::function<void(JsonWriter&)>& extra) {
  // The same head as http::Response::problem, which has no way to add members.
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  writeString(w, "type", "about:blank");
  writeString(w, "title", http::reasonPhrase(status));
  writeKey(w, "status");
  w.Int(status);
  if (!detail.empty()) writeString(w, "detail", detail);
  if (!instance.empty()) writeString(w, "instance", instance);
  extra(w);
  w.EndObject();
  http::Response r;
  r.status = status;
  r.body.assign(buf.GetString(), buf.GetSize());
  r.set("Content-Type", "application/problem+json");
  return r;
}

}  // namespace gw::admin
