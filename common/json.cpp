#include "common/json.hpp"

#include <string>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "common/utf8.hpp"

namespace gw::json {
namespace {

// Forwards SAX events to the document, counting open arrays and objects and checking
// strings, and stops the reader (by returning false) at the first violation.
class Guard {
 public:
  Guard(rapidjson::Document& doc, unsigned maxDepth) : doc_(doc), maxDepth_(maxDepth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned i) { return doc_.Uint(i); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t i) { return doc_.Uint64(i); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return utf8(s, n) && doc_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return utf8(s, n) && doc_.Key(s, n, copy);
  }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  std::optional<ParseError::Kind> violation() const { return violation_; }

 private:
  bool enter() {
    if (++depth_ <= maxDepth_) return true;
    violation_ = ParseError::Kind::kTooDeep;
    return false;
  }
  bool utf8(const char* s, rapidjson::SizeType n) {
    if (isValidUtf8({s, n})) return true;
    violation_ = ParseError::Kind::kInvalidUtf8;
    return false;
  }

  rapidjson::Document& doc_;
  unsigned maxDepth_;
  unsigned depth_ = 0;
  std::optional<ParseError::Kind> violation_;
};

}  // namespace

std::optional<ParseError> parse(rapidjson::Document& doc, std::string_view text,
                                unsigned maxDepth) {
  doc.SetNull();
  // RapidJSON reads NUL as the end of input: a NUL inside would hide trailing garbage, and
  // JSON text never contains one (a string spells it "\u0000").
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return ParseError{ParseError::Kind::kSyntax, nul,
                      "contains a NUL byte (at byte " + std::to_string(nul) + ")"};
  }
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  rapidjson::Reader reader;
  Guard guard(doc, maxDepth);
  auto generate = [&](rapidjson::Document&) {
    rapidjson::MemoryStream stream(text.data(), text.size());
    return !reader.Parse<kFlags>(stream, guard).IsError();
  };
  doc.Populate(generate);
  if (!reader.HasParseError()) return std::nullopt;

  doc.SetNull();
  ParseError e;
  e.offset = reader.GetErrorOffset();
  const std::string at = " (at byte " + std::to_string(e.offset) + ")";
  if (guard.violation() == ParseError::Kind::kTooDeep) {
    e.kind = ParseError::Kind::kTooDeep;
    e.message = "nests arrays and objects deeper than " + std::to_string(maxDepth) + " levels" + at;
  } else if (guard.violation() == ParseError::Kind::kInvalidUtf8 ||
             reader.GetParseErrorCode() == rapidjson::kParseErrorStringInvalidEncoding) {
    e.kind = ParseError::Kind::kInvalidUtf8;
    e.message = "contains a string that is not valid UTF-8" + at;
  } else {
    e.message = std::string("is not valid JSON: ") +
                rapidjson::GetParseError_En(reader.GetParseErrorCode()) + at;
  }
  return e;
}

}  // namespace gw::json
