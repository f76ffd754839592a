#pragma once
// The list envelope every admin list answers with: {"items": [...], "totalCount": N} and,
// for paged lists, "skip" and "take" as the request had them.
#include <cstdint>
#include <optional>
#include <string>

#include "modules/admin/json_io.hpp"
#include "modules/admin/validation.hpp"

namespace gw::admin {

// `writeItems(w)` writes the items, each a complete JSON value, inside the open array.
template <typename WriteItems>
std::string listJson(uint64_t totalCount, const std::optional<Paging>& paging,
                     WriteItems&& writeItems) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  writeKey(w, "items");
  w.StartArray();
  writeItems(w);
  w.EndArray();
  writeKey(w, "totalCount");
  w.Uint64(totalCount);
  if (paging) {
    writeKey(w, "skip");
    w.Uint64(paging->skip);
    writeKey(w, "take");
    w.Uint64(paging->take);
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace gw::admin
