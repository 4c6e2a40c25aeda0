// MessageReader and writeMessage: LSP's header framing over file descriptors.
#include "lsp/transport.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace lux::lsp {

bool MessageReader::fill() {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buf_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

std::optional<std::string> MessageReader::next() {
  // Headers: lines up to an empty line; only Content-Length matters (Content-Type is optional).
  size_t length = 0;
  bool have_length = false;
  for (;;) {
    size_t eol = buf_.find("\r\n", pos_);
    if (eol == std::string::npos) {
      if (buf_.size() - pos_ > 8192) {
        error_ = "a header line longer than 8192 bytes";
        return std::nullopt;
      }
      if (!fill()) {
        if (buf_.size() > pos_) error_ = "input ended inside a message header";
        return std::nullopt;
      }
      continue;
    }
    std::string_view line(buf_.data() + pos_, eol - pos_);
    pos_ = eol + 2;
    if (line.empty()) {
      if (have_length) break;
      continue;  // stray blank line between messages
    }
    constexpr std::string_view kLength = "content-length:";
    if (line.size() > kLength.size()) {
      bool match = true;
      for (size_t i = 0; i < kLength.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(line[i])) != kLength[i]) match = false;
      if (match) {
        std::string digits(line.substr(kLength.size()));
        char* end = nullptr;
        unsigned long long v = std::strtoull(digits.c_str(), &end, 10);
        if (end == digits.c_str() || v > kMaxMessageBytes) {
          error_ = "a bad Content-Length header: " + digits;
          return std::nullopt;
        }
        length = static_cast<size_t>(v);
        have_length = true;
      }
    }
  }
  while (buf_.size() - pos_ < length) {
    if (!fill()) {
      error_ = "input ended inside a message body";
      return std::nullopt;
    }
  }
  std::string body = buf_.substr(pos_, length);
  pos_ += length;
  return body;
}

bool writeMessage(int fd, const std::string& body) {
  std::string framed = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  size_t done = 0;
  while (done < framed.size()) {
    ssize_t n = ::write(fd, framed.data() + done, framed.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace lux::lsp
