#include "sip/stream_framer.hpp"

#include <algorithm>
#include <cstring>

namespace gw::sip {

StreamFramer::StreamFramer(size_t maxMessageBytes) : maxMessageBytes_(maxMessageBytes) {}

size_t StreamFramer::buffered() const {
  return end_ - begin_ - pending_;
}

void StreamFramer::release() {
  begin_ += pending_;
  pending_ = 0;
  // Only when there is something to drop: this runs for every received segment.
  if (!outcome_.message.startLine.empty()) outcome_.message = Message{};
  if (begin_ == end_) begin_ = end_ = scanned_ = 0;
}

void StreamFramer::shrink() {
  release();
  if (begin_ != end_ || headLen_ != 0) return;
  std::string().swap(buf_);
  begin_ = end_ = scanned_ = 0;
}

void StreamFramer::compact() {
  release();
  if (begin_ == 0) return;
  const size_t n = end_ - begin_;
  std::memmove(buf_.data(), buf_.data() + begin_, n);
  scanned_ -= begin_;
  begin_ = 0;
  end_ = n;
}

std::span<char> StreamFramer::prepare(size_t min) {
  release();
  if (buf_.size() - end_ < min) {
    // Compact only when it frees at least as many bytes as it moves: each received byte is
    // then moved at most once on average, even when bytes arrive one at a time.
    if (begin_ >= end_ - begin_ && buf_.size() - (end_ - begin_) >= min) {
      compact();
    } else {
      buf_.resize(std::max(buf_.size() * 2, end_ + min));
    }
  }
  return {buf_.data() + end_, buf_.size() - end_};
}

void StreamFramer::commit(size_t n) {
  end_ += std::min(n, buf_.size() - end_);
}

StreamFramer::Status StreamFramer::fail(ParseError e) {
  outcome_.error = e;
  failed_ = true;
  return Status::kError;
}

StreamFramer::Status StreamFramer::next() {
  if (failed_) return Status::kError;
  release();
  outcome_.error.reset();

  if (headLen_ == 0) {
    // Between messages: CRLF keep-alives (RFC 5626 3.5.1) and stray line ends (RFC 3261
    // 7.5). "\r\n\r\n" is a ping; a lone "\r\n" (a pong) or LF is skipped silently.
    while (begin_ < end_ && scanned_ == begin_) {
      const std::string_view rest(buf_.data() + begin_, end_ - begin_);
      if (rest.front() == '\n') {
        ++begin_;
      } else if (rest.front() == '\r') {
        if (rest.size() < 4 && std::string_view("\r\n\r\n").starts_with(rest)) {
          return Status::kNeedMore;  // could still become a ping
        }
        if (rest.starts_with("\r\n\r\n")) {
          begin_ += 4;
          scanned_ = begin_;
          return Status::kPing;
        }
        if (!rest.starts_with("\r\n")) break;  // a bare CR: the parser rejects it
        begin_ += 2;
      } else {
        break;
      }
      scanned_ = begin_;
    }
    if (begin_ == end_) {
      begin_ = end_ = scanned_ = 0;
      return Status::kNeedMore;
    }

    const size_t headLimit = std::min(kMaxHeaderBytes, maxMessageBytes_);
    const std::string_view rest(buf_.data() + begin_, end_ - begin_);
    size_t from = scanned_ - begin_;
    const size_t headEnd = findHeaderEnd(rest, from);
    scanned_ = begin_ + from;
    if (headEnd == std::string_view::npos) {
      if (rest.size() <= headLimit) return Status::kNeedMore;
      // Keep what parses so that a 400/513 can still be formed.
      (void)parseHead({buf_.data() + begin_, rest.size()}, outcome_.message);
      return fail(ParseError::kTooLarge);
    }
    if (headEnd > headLimit) {
      (void)parseHead({buf_.data() + begin_, headEnd}, outcome_.message);
      return fail(ParseError::kTooLarge);
    }
    if (const auto err = parseHead({buf_.data() + begin_, headEnd}, outcome_.message)) {
      return fail(*err);
    }
    if (!outcome_.message.contentLength) return fail(ParseError::kMissingContentLength);
    const size_t total = headEnd + *outcome_.message.contentLength;
    if (total > maxMessageBytes_) return fail(ParseError::kTooLarge);
    headLen_ = headEnd;
    msgLen_ = total;
  } else {
    // The header section was found and validated by an earlier call; the views from then
    // may point into a buffer since reallocated, so parse it again (it is already unfolded
    // and known to be valid) once the body is complete.
    if (end_ - begin_ < msgLen_) return Status::kNeedMore;
    outcome_.message = Message{};
    (void)parseHead({buf_.data() + begin_, headLen_}, outcome_.message);
  }

  if (end_ - begin_ < msgLen_) {
    outcome_.message = Message{};  // its views would not survive prepare()
    return Status::kNeedMore;
  }
  outcome_.message.body = std::string_view(buf_.data() + begin_ + headLen_, msgLen_ - headLen_);
  pending_ = msgLen_;
  scanned_ = begin_ + msgLen_;
  headLen_ = 0;
  msgLen_ = 0;
  return Status::kMessage;
}

}  // namespace gw::sip
