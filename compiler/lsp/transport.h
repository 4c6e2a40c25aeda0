// JSON-RPC 2.0 over a byte stream with LSP's framing: `Content-Length: N\r\n\r\n` + N bytes of
// JSON. Entry points: MessageReader::next (one message body, or nothing at end of input),
// writeMessage (one framed message, written whole).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace lux::lsp {

// A message body larger than this is refused (the reader stops): a document is at most
// SourceFile::kMaxFileBytes (64 MiB), and JSON escaping can double it.
inline constexpr size_t kMaxMessageBytes = 160u << 20;

class MessageReader {
 public:
  explicit MessageReader(int fd) : fd_(fd) {}
  // The next message's body; nullopt at end of input or on a framing error (`error()` says
  // which; empty at a clean end of input).
  std::optional<std::string> next();
  const std::string& error() const { return error_; }

 private:
  bool fill();  // reads more bytes into buf_; false at end of input
  int fd_;
  std::string buf_;
  size_t pos_ = 0;
  std::string error_;
};

// Writes one framed message to `fd` (retrying short writes); false when the peer is gone.
bool writeMessage(int fd, const std::string& body);

}  // namespace lux::lsp
