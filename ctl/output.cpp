#include "ctl/output.hpp"

#include <algorithm>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gw::ctl {
namespace {

std::string compactJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return sb.GetString();
}

void flatten(const std::string& prefix, const rapidjson::Value& v,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (v.IsObject() && v.MemberCount() > 0) {
    for (const auto& m : v.GetObject()) {
      flatten(prefix.empty() ? m.name.GetString() : prefix + "." + m.name.GetString(), m.value,
              out);
    }
    return;
  }
  out.emplace_back(prefix, cellText(&v));
}

}  // namespace

const rapidjson::Value* memberAt(const rapidjson::Value& object, const std::string& path) {
  const rapidjson::Value* v = &object;
  size_t start = 0;
  while (true) {
    if (!v->IsObject()) return nullptr;
    const size_t dot = path.find('.', start);
    const std::string name = path.substr(start, dot == std::string::npos ? dot : dot - start);
    auto it = v->FindMember(name.c_str());
    if (it == v->MemberEnd()) return nullptr;
    v = &it->value;
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

std::string cellText(const rapidjson::Value* v) {
  if (v == nullptr || v->IsNull()) return "-";
  if (v->IsString()) return v->GetString();
  if (v->IsBool()) return v->GetBool() ? "true" : "false";
  if (v->IsArray()) {
    std::string out;
    for (const auto& e : v->GetArray()) {
      if (!out.empty()) out += ",";
      out += e.IsString() ? e.GetString() : compactJson(e);
    }
    return out.empty() ? "-" : out;
  }
  return compactJson(*v);
}

void printJson(std::ostream& out, const rapidjson::Value& value) {
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  w.SetIndent(' ', 2);
  value.Accept(w);
  out << sb.GetString() << "\n";
}

void printRows(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

void printTable(std::ostream& out, const rapidjson::Value& page,
                const std::vector<Column>& columns) {
  std::vector<std::vector<std::string>> rows;
  rows.emplace_back();
  for (const auto& c : columns) rows.back().push_back(c.header);
  auto items = page.IsObject() ? page.FindMember("items") : page.MemberEnd();
  size_t count = 0;
  if (page.IsObject() && items != page.MemberEnd() && items->value.IsArray()) {
    for (const auto& item : items->value.GetArray()) {
      rows.emplace_back();
      for (const auto& c : columns) rows.back().push_back(cellText(memberAt(item, c.path)));
      ++count;
    }
  }
  printRows(out, rows);
  const auto* total = memberAt(page, "totalCount");
  out << count << " of " << (total ? cellText(total) : std::to_string(count)) << "\n";
}

void printRecord(std::ostream& out, const rapidjson::Value& record) {
  std::vector<std::pair<std::string, std::string>> fields;
  flatten("", record, fields);
  size_t width = 0;
  for (const auto& f : fields) width = std::max(width, f.first.size());
  for (const auto& f : fields) {
    out << f.first << ":" << std::string(width - f.first.size() + 1, ' ') << f.second << "\n";
  }
}

}  // namespace gw::ctl
