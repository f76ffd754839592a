#pragma once
// Splits a SIP byte stream (TCP) into messages (RFC 3261 18.3): headers end at the first
// empty line, Content-Length is mandatory and says where the body ends. CRLF keep-alives
// between messages (RFC 5626 3.5.1: "\r\n\r\n" ping, "\r\n" pong) are reported, not
// treated as errors.
//
// Usage: write received bytes into prepare(), commit() them, then call next() until it
// returns kNeedMore; the views of a kMessage's message() stay valid until the next call to
// next(), prepare() or compact(). After kError the framer stays failed (close the
// connection); message() then holds what could be parsed, for canAnswer().
//
// Cost: the end-of-headers search resumes where it stopped, so a message that arrives in
// many pieces is scanned once; the header section is parsed once more only when the body
// arrives after it. The buffer is compacted only when that frees at least as many bytes as
// it moves.
#include <cstddef>
#include <span>
#include <string>

#include "sip/message.hpp"

namespace gw::sip {

class StreamFramer {
 public:
  enum class Status : uint8_t {
    kNeedMore,  // no complete message buffered
    kMessage,   // message() holds one complete, parsed message
    kPing,      // a "\r\n\r\n" keep-alive was consumed: answer "\r\n"
    kError,     // framing broken (error()): answer 400 if canAnswer(), then close
  };

  explicit StreamFramer(size_t maxMessageBytes = kMaxHeaderBytes + kMaxBodyBytes);

  // Where to write received bytes: a span of at least `min` free bytes at the end of the
  // buffer; then call commit(n) with how many were written.
  std::span<char> prepare(size_t min = 4096);
  void commit(size_t n);

  Status next();
  const Message& message() const { return outcome_.message; }
  // Meaningful after kError (kIncomplete otherwise).
  ParseError error() const { return outcome_.error.value_or(ParseError::kIncomplete); }
  size_t buffered() const;  // bytes received and not yet consumed
  size_t capacity() const { return buf_.size(); }  // memory the buffer holds
  // Gives the buffer's memory back when nothing is buffered, so an idle connection holds
  // none (a peer's one large message does not stay pinned). No-op otherwise.
  void shrink();

  // Moves the unconsumed bytes to the front of the buffer (prepare() does it when useful).
  void compact();

 private:
  void release();  // drops the message returned by the last next()
  Status fail(ParseError e);

  std::string buf_;
  size_t begin_ = 0;    // first unconsumed byte
  size_t end_ = 0;      // one past the last received byte
  size_t scanned_ = 0;  // where the search for the end of headers resumes
  size_t maxMessageBytes_;
  size_t pending_ = 0;  // bytes of the message last returned, consumed by the next call
  size_t headLen_ = 0;  // header section found, waiting for the body: its length ...
  size_t msgLen_ = 0;   // ... and the length of the whole message
  bool failed_ = false;
  ParseOutcome outcome_;
};

}  // namespace gw::sip
