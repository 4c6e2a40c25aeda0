// A streaming multipart/form-data parser (RFC 7578, RFC 2046 5.1): bytes go in as they arrive
// (Feed, in pieces of any size, a boundary split anywhere), parts come out through a sink as a
// head (PartBegin), their bytes (PartData, never buffered whole) and an end (PartEnd). Also
// BoundaryOf (the boundary of a Content-Type) and SniffType (a file's type from its first bytes).
// Standard library only: the fuzz target (tests/fuzz/fuzz_multipart.cpp) builds it alone.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lux::http {

// The head of one part, from its Content-Disposition and Content-Type.
struct PartHead {
  std::string name;          // the form field's name (required)
  std::string filename;      // as the client sent it (filename*= decoded); empty when absent
  bool is_file = false;      // a filename parameter was present (even empty)
  std::string content_type;  // as sent, lower-cased, parameters dropped; empty when absent
};

class MultipartSink {
 public:
  virtual ~MultipartSink() = default;
  virtual void PartBegin(const PartHead& head) = 0;
  virtual void PartData(std::string_view bytes) = 0;
  virtual void PartEnd() = 0;
};

// A malformed body (status 400) or a limit the body passed. The parser's own errors are 400;
// a sink may throw it with another status (413, 415) and it passes through Feed unchanged.
class MultipartError : public std::runtime_error {
 public:
  MultipartError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// One part's header block (its lines and the blank line ending them) is at most this: a
// Content-Disposition with a long filename fits many times over (nginx's large buffers are 8K).
inline constexpr std::size_t kMaxPartHeaderBytes = 8 << 10;
// Parts of one body at most: each costs a sink call and, for files, a temporary file; a body
// of empty parts must not turn into unbounded work (Starlette's default max_fields is 1000).
inline constexpr std::size_t kMaxParts = 1000;
// Boundaries are 1-70 characters (RFC 2046 5.1.1).
inline constexpr std::size_t kMaxBoundaryBytes = 70;
// Spaces and tabs allowed after a delimiter before its CRLF (transport padding).
inline constexpr std::size_t kMaxBoundaryPadding = 64;

class MultipartParser {
 public:
  MultipartParser(std::string boundary, MultipartSink& sink);
  // Takes the next bytes of the body. Throws MultipartError (a malformed body, or what the
  // sink threw); after a throw the parser takes nothing more.
  void Feed(std::string_view bytes);
  // The body ended: throws MultipartError 400 unless the closing delimiter was seen.
  void Finish();
  bool done() const { return state_ == State::kEpilogue; }
  std::size_t parts() const { return parts_; }

 private:
  enum class State {
    kPreamble,     // before the first delimiter: ignored
    kAfterDelim,   // after "--boundary": padding, then CRLF (a part) or "--" (the end)
    kAfterDash,    // "--boundary-": the second dash must follow
    kAfterCr,      // "--boundary\r": LF must follow
    kHeaders,      // a part's header block
    kBody,         // a part's bytes, up to the next delimiter
    kEpilogue,     // after the closing delimiter: ignored
    kFailed,
  };
  // Scans for the delimiter ("\r\n--" + boundary) in kPreamble/kBody; returns the bytes used.
  std::size_t ScanBody(std::string_view in);
  std::size_t ScanAfterDelim(std::string_view in);
  std::size_t ScanHeaders(std::string_view in);
  void Emit(std::string_view bytes);
  void Delimiter();
  void BeginPart();
  [[noreturn]] void Fail(const std::string& message);

  std::string delim_;  // "\r\n--" + boundary
  MultipartSink& sink_;
  State state_ = State::kPreamble;
  std::string held_;     // a prefix of delim_ seen at the end of the last piece, not yet emitted
  bool held_virtual_ = true;  // held_ is the CRLF assumed before the body's first byte
  std::string headers_;  // the part's header block so far (starts with the CRLF after the delimiter)
  std::size_t padding_ = 0;
  std::size_t parts_ = 0;
  bool in_part_ = false;
};

// The boundary parameter of a multipart/form-data Content-Type, or nullopt when the type is
// not multipart/form-data. Throws MultipartError 400 when it is but the boundary is missing or
// not 1-70 allowed characters.
std::optional<std::string> BoundaryOf(std::string_view content_type);

// A file's type from its first bytes (PNG, JPEG, GIF, PDF, ZIP, WebP, gzip, BMP, TIFF, WAV,
// MP3, OGG, MP4): the MIME type, or "" when the bytes match none of them. Needs at most
// kSniffBytes.
inline constexpr std::size_t kSniffBytes = 16;
std::string_view SniffType(std::string_view first_bytes);

// Whether a declared type and a sniffed one agree: equal, or the declared one is a type the
// sniffer knows no signature for (text, JSON, CSV...) and nothing was sniffed, or an alias
// (image/jpg, application/x-zip-compressed, ...). A declared type with a known signature
// requires it: a file declared image/png that is not a PNG does not agree.
bool TypesAgree(std::string_view declared, std::string_view sniffed);
// The usual name of a MIME type clients also send under an alias (image/jpg -> image/jpeg).
std::string_view CanonicalType(std::string_view type);

// The last path segment of a client's filename (after '/' or '\'), without control bytes; a
// name of only dots becomes "". Filenames are data: this is for showing and saving under a
// name of the program's choosing, never for building a path as is.
std::string SafeFilename(std::string_view filename);

}  // namespace lux::http
