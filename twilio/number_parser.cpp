#include "twilio/number_parser.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "common/utf8.hpp"

namespace gw::twilio {
namespace {

// Which value the handler expects next. Values the gateway does not use are skipped
// whatever their shape; the ones it uses must have the documented type.
enum class State {
  kRoot,          // the document's first value
  kPageKey,       // inside the page object, before a key or the end
  kPageList,      // value of "incoming_phone_numbers": must be an array
  kPageNext,      // value of "next_page_uri": string or null
  kListItem,      // inside the array: an object or the end
  kNumberKey,     // inside a number object, before a key or the end
  kNumberString,  // value of a field the gateway keeps
  kSkip,          // inside a value nobody reads
  kDone,
};

enum class Field { kNone, kSid, kPhoneNumber, kFriendlyName, kTrunkSid };

class Handler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
 public:
  explicit Handler(bool page) : page_(page) {}

  // Scalars: null, booleans, numbers and strings all arrive here.
  bool Default() { return scalar(false, {}, false); }
  bool Null() { return scalar(false, {}, true); }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    // A lone "\uDC00" escape decodes to bytes that are not UTF-8: never store them.
    if (!isValidUtf8({s, n})) return fail("a string is not valid UTF-8");
    return scalar(true, {s, n}, false);
  }

  bool StartObject() {
    switch (state_) {
      case State::kRoot:
        state_ = page_ ? State::kPageKey : State::kNumberKey;
        number_ = {};
        return true;
      case State::kListItem:
        state_ = State::kNumberKey;
        number_ = {};
        return true;
      default:
        return startNested("an object");
    }
  }

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    std::string_view key(s, n);
    if (state_ == State::kPageKey) {
      if (key == "incoming_phone_numbers") {
        if (sawList_) return fail("the page lists incoming_phone_numbers twice");
        sawList_ = true;
        state_ = State::kPageList;
      } else if (key == "next_page_uri") {
        state_ = State::kPageNext;
      } else {
        skipFrom(State::kPageKey);
      }
      return true;
    }
    if (state_ == State::kNumberKey) {
      field_ = key == "sid"             ? Field::kSid
               : key == "phone_number"  ? Field::kPhoneNumber
               : key == "friendly_name" ? Field::kFriendlyName
               : key == "trunk_sid"     ? Field::kTrunkSid
                                        : Field::kNone;
      if (field_ == Field::kNone) {
        skipFrom(State::kNumberKey);
      } else {
        state_ = State::kNumberString;
      }
      return true;
    }
    return true;  // a key inside a skipped object
  }

  bool EndObject(rapidjson::SizeType) {
    switch (state_) {
      case State::kNumberKey:
        if (number_.sid.empty()) return fail("a phone number has no sid");
        if (number_.phoneNumber.empty()) return fail("a phone number has no phone_number");
        if (page_) {
          numbers_.push_back(std::move(number_));
          state_ = State::kListItem;
        } else {
          state_ = State::kDone;
        }
        return true;
      case State::kPageKey:
        if (!sawList_) return fail("the page has no incoming_phone_numbers array");
        state_ = State::kDone;
        return true;
      default:
        return endNested();
    }
  }

  bool StartArray() {
    if (state_ == State::kPageList) {
      state_ = State::kListItem;
      return true;
    }
    return startNested("an array");
  }

  bool EndArray(rapidjson::SizeType) {
    if (state_ == State::kListItem) {
      state_ = State::kPageKey;
      return true;
    }
    return endNested();
  }

  const std::string& error() const { return error_; }
  IncomingNumber takeNumber() { return std::move(number_); }
  NumberPage takePage() { return NumberPage{std::move(numbers_), std::move(next_)}; }

 private:
  bool scalar(bool isString, std::string_view s, bool isNull) {
    switch (state_) {
      case State::kRoot:
        return fail(page_ ? "the page is not an object" : "the phone number is not an object");
      case State::kPageList:
        return fail("incoming_phone_numbers is not an array");
      case State::kPageNext:
        if (isString) {
          next_.assign(s);
        } else if (!isNull) {
          return fail("next_page_uri is neither a string nor null");
        }
        state_ = State::kPageKey;
        return true;
      case State::kListItem:
        return fail("an entry of incoming_phone_numbers is not an object");
      case State::kNumberString:
        return keep(isString, s, isNull);
      case State::kSkip:
        if (skipDepth_ == 0) state_ = skipReturn_;
        return true;
      default:
        return fail("unexpected value");
    }
  }

  bool keep(bool isString, std::string_view s, bool isNull) {
    const bool nullable = field_ == Field::kFriendlyName || field_ == Field::kTrunkSid;
    if (!isString && !(nullable && isNull)) return fail(fieldName() + " is not a string");
    std::string value(s);
    switch (field_) {
      case Field::kSid:
        number_.sid = std::move(value);
        break;
      case Field::kPhoneNumber:
        number_.phoneNumber = std::move(value);
        break;
      case Field::kFriendlyName:
        number_.friendlyName = std::move(value);
        break;
      case Field::kTrunkSid:
        number_.trunkSid = std::move(value);
        break;
      case Field::kNone:
        break;
    }
    state_ = State::kNumberKey;
    return true;
  }

  std::string fieldName() const {
    switch (field_) {
      case Field::kSid:
        return "sid";
      case Field::kPhoneNumber:
        return "phone_number";
      case Field::kFriendlyName:
        return "friendly_name";
      case Field::kTrunkSid:
        return "trunk_sid";
      case Field::kNone:
        break;
    }
    return "a field";
  }

  // The next value is skipped; afterwards the handler goes back to `back`.
  void skipFrom(State back) {
    state_ = State::kSkip;
    skipReturn_ = back;
    skipDepth_ = 0;
  }

  bool startNested(const char* what) {
    switch (state_) {
      case State::kSkip:
        ++skipDepth_;
        return true;
      case State::kPageNext:
        return fail(std::string("next_page_uri is ") + what);
      case State::kPageList:
        return fail("incoming_phone_numbers is not an array");
      case State::kListItem:
        return fail("an entry of incoming_phone_numbers is not an object");
      case State::kNumberString:
        return fail(fieldName() + " is " + what);
      default:
        return fail(page_ ? "the page is not an object" : "the phone number is not an object");
    }
  }

  bool endNested() {
    if (state_ != State::kSkip || skipDepth_ == 0) return fail("unbalanced document");
    if (--skipDepth_ == 0) state_ = skipReturn_;
    return true;
  }

  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  bool page_;
  State state_ = State::kRoot;
  State skipReturn_ = State::kRoot;
  size_t skipDepth_ = 0;
  Field field_ = Field::kNone;
  bool sawList_ = false;
  IncomingNumber number_;
  std::vector<IncomingNumber> numbers_;
  std::string next_;
  std::string error_;
};

// Runs the handler over the whole input; the error names the first problem found.
std::string parse(std::string_view json, Handler& handler) {
  // RapidJSON reads NUL as the end of input: a NUL inside would hide trailing garbage.
  if (json.find('\0') != std::string_view::npos) return "the body contains a NUL byte";
  rapidjson::MemoryStream stream(json.data(), json.size());
  rapidjson::Reader reader;
  // Iterative parsing: nesting depth in hostile input cannot exhaust the stack.
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  reader.Parse<kFlags>(stream, handler);
  if (!reader.HasParseError()) return {};
  if (!handler.error().empty()) return handler.error();
  return std::string("invalid JSON (") + rapidjson::GetParseError_En(reader.GetParseErrorCode()) +
         " at offset " + std::to_string(reader.GetErrorOffset()) + ")";
}

}  // namespace

gw::Result<IncomingNumber, std::string> NumberParser::parseNumber(std::string_view json) {
  Handler handler(false);
  std::string error = parse(json, handler);
  if (!error.empty()) return error;
  return handler.takeNumber();
}

gw::Result<NumberPage, std::string> NumberParser::parsePage(std::string_view json) {
  Handler handler(true);
  std::string error = parse(json, handler);
  if (!error.empty()) return error;
  return handler.takePage();
}

}  // namespace gw::twilio
