#pragma once
// How gatewayctl prints what the API answered: `--output json` prints the JSON as the
// gateway sent it (pretty-printed); `--output table` prints lists as aligned columns and
// single records as "key: value" lines with nested objects flattened ("acl.decision").
// Single-threaded.
#include <ostream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace gw::ctl {

enum class Format { kTable, kJson };

struct Column {
  std::string header;
  std::string path;  // member name, "a.b" for a nested member
};

void printJson(std::ostream& out, const rapidjson::Value& value);
// `page` is a list answer {items, totalCount, ...}: a row per item, then "N of TOTAL".
void printTable(std::ostream& out, const rapidjson::Value& page,
                const std::vector<Column>& columns);
// Rows of cells as columns aligned by two spaces (the first row is usually the headers).
void printRows(std::ostream& out, const std::vector<std::vector<std::string>>& rows);
void printRecord(std::ostream& out, const rapidjson::Value& record);

// The text of a cell: "-" for null or absent, arrays joined with ",", objects as JSON.
std::string cellText(const rapidjson::Value* value);
// The member at "a.b", or nullptr.
const rapidjson::Value* memberAt(const rapidjson::Value& object, const std::string& path);

}  // namespace gw::ctl
