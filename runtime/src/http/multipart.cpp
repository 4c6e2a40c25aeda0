// The multipart/form-data state machine (multipart.h): the delimiter "\r\n--boundary" is found
// across pieces by holding back a piece's tail that is a prefix of it. A boundary holds no CR
// (BoundaryOf allows only RFC 2046 bchars), so CR appears in the delimiter only first: a
// mismatch never hides the start of another match, and the held bytes are then part data.
// Also the part-header parser, the boundary of a Content-Type and the file-type sniffer.
#include "http/multipart.h"

#include <algorithm>
#include <cstring>

namespace lux::http {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IEq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parameters of a header value after its first `;`: `key=token` or `key="quoted \" string"`.
// Calls `on(key, value)` for each; returns false on a malformed list.
template <typename On>
bool ForEachParam(std::string_view s, On on) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ';')) ++i;
    if (i >= s.size()) break;
    std::size_t k = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
    std::string_view key = Trim(s.substr(k, i - k));
    if (i >= s.size() || s[i] != '=') {
      if (key.empty()) continue;
      return false;  // a parameter without a value
    }
    ++i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        // Browsers send a backslash in a filename as is (WHATWG): only \" and \\ are escapes.
        if (c == '\\' && i < s.size() && (s[i] == '"' || s[i] == '\\')) c = s[i++];
        value += c;
      }
      if (!closed) return false;
    } else {
      std::size_t v = i;
      while (i < s.size() && s[i] != ';') ++i;
      value = std::string(Trim(s.substr(v, i - v)));
    }
    on(key, value);
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 8187 ext-value: charset'lang'percent-encoded. UTF-8 and ISO-8859-1 bytes kept as sent.
std::optional<std::string> DecodeExtValue(std::string_view v) {
  std::size_t a = v.find('\'');
  if (a == std::string_view::npos) return std::nullopt;
  std::size_t b = v.find('\'', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  std::string out;
  for (std::size_t i = b + 1; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      int h = HexValue(v[i + 1]), l = HexValue(v[i + 2]);
      if (h < 0 || l < 0) return std::nullopt;
      out += static_cast<char>(h * 16 + l);
      i += 2;
    } else if (v[i] == '%') {
      return std::nullopt;
    } else {
      out += v[i];
    }
  }
  return out;
}

}  // namespace

// ---- the parser ----

MultipartParser::MultipartParser(std::string boundary, MultipartSink& sink)
    : delim_("\r\n--" + boundary), sink_(sink), held_("\r\n") {}

void MultipartParser::Fail(const std::string& message) {
  state_ = State::kFailed;
  throw MultipartError(400, message);
}

void MultipartParser::Feed(std::string_view in) {
  if (state_ == State::kFailed) throw MultipartError(400, "malformed multipart body");
  try {
    while (!in.empty()) {
      std::size_t used = 0;
      switch (state_) {
        case State::kPreamble:
        case State::kBody: used = ScanBody(in); break;
        case State::kAfterDelim:
        case State::kAfterDash:
        case State::kAfterCr: used = ScanAfterDelim(in); break;
        case State::kHeaders: used = ScanHeaders(in); break;
        case State::kEpilogue: return;
        case State::kFailed: return;
      }
      in.remove_prefix(used);
    }
  } catch (...) {
    state_ = State::kFailed;
    throw;
  }
}

void MultipartParser::Finish() {
  if (state_ == State::kEpilogue) return;
  if (state_ == State::kFailed) throw MultipartError(400, "malformed multipart body");
  if (parts_ == 0 && state_ == State::kPreamble)
    Fail("multipart body has no part: the boundary from Content-Type never occurs in it");
  Fail("multipart body ended before its closing boundary (a part was cut short)");
}

void MultipartParser::Emit(std::string_view bytes) {
  if (state_ == State::kBody && !bytes.empty()) sink_.PartData(bytes);
}

std::size_t MultipartParser::ScanBody(std::string_view in) {
  std::size_t used = 0;
  while (used < in.size()) {
    if (!held_.empty()) {
      std::size_t take = std::min(delim_.size() - held_.size(), in.size() - used);
      if (delim_.compare(held_.size(), take, in.data() + used, take) == 0) {
        held_.append(in.data() + used, take);
        used += take;
        if (held_.size() == delim_.size()) {
          held_.clear();
          held_virtual_ = false;
          Delimiter();
          return used;
        }
        continue;
      }
      if (!held_virtual_) Emit(held_);
      held_.clear();
      held_virtual_ = false;
      continue;
    }
    const char* p = in.data() + used;
    std::size_t n = in.size() - used;
    const void* cr = std::memchr(p, '\r', n);
    std::size_t upto = cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - p) : n;
    Emit(std::string_view(p, upto));
    used += upto;
    if (cr) {
      held_ = "\r";
      ++used;
    }
  }
  return used;
}

void MultipartParser::Delimiter() {
  if (in_part_) {
    in_part_ = false;
    sink_.PartEnd();
  }
  state_ = State::kAfterDelim;
  padding_ = 0;
}

std::size_t MultipartParser::ScanAfterDelim(std::string_view in) {
  std::size_t used = 0;
  while (used < in.size()) {
    char c = in[used++];
    switch (state_) {
      case State::kAfterDelim:
        if (c == '-') {
          state_ = State::kAfterDash;
        } else if (c == '\r') {
          state_ = State::kAfterCr;
        } else if ((c == ' ' || c == '\t') && ++padding_ <= kMaxBoundaryPadding) {
        } else {
          Fail("malformed multipart body: a boundary line must end with CRLF (or `--` for the last one)");
        }
        break;
      case State::kAfterDash:
        if (c != '-') Fail("malformed multipart body: a boundary line must end with CRLF (or `--` for the last one)");
        state_ = State::kEpilogue;
        return in.size();  // the epilogue is ignored
      case State::kAfterCr:
        if (c != '\n') Fail("malformed multipart body: a boundary line must end with CRLF (or `--` for the last one)");
        headers_ = "\r\n";
        state_ = State::kHeaders;
        return used;
      default: return used;
    }
  }
  return used;
}

std::size_t MultipartParser::ScanHeaders(std::string_view in) {
  const std::size_t cap = kMaxPartHeaderBytes + 2;  // + the CRLF that ended the boundary line
  std::size_t old = headers_.size();
  std::size_t take = std::min(in.size(), cap - std::min(old, cap));
  headers_.append(in.data(), take);
  std::size_t pos = headers_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
  if (pos == std::string::npos) {
    if (headers_.size() >= cap)
      Fail("a part's header block is longer than " + std::to_string(kMaxPartHeaderBytes) + " bytes");
    return take;
  }
  std::size_t used = pos + 4 - old;
  headers_.resize(pos + 2);
  BeginPart();
  state_ = State::kBody;
  held_.clear();
  held_virtual_ = false;
  return used;
}

void MultipartParser::BeginPart() {
  if (++parts_ > kMaxParts) Fail("too many parts in the multipart body (at most " + std::to_string(kMaxParts) + ")");
  PartHead head;
  bool disposition = false, has_name = false;
  std::string_view block(headers_);
  block.remove_prefix(2);
  while (!block.empty()) {
    std::size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') Fail("malformed part header: folded header line");
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) Fail("malformed part header: a line without `name: value`");
    std::string_view name = line.substr(0, colon), value = Trim(line.substr(colon + 1));
    if (IEq(name, "Content-Disposition")) {
      if (disposition) Fail("malformed part header: two Content-Disposition headers");
      disposition = true;
      std::size_t semi = value.find(';');
      if (!IEq(Trim(value.substr(0, semi)), "form-data"))
        Fail("malformed part header: Content-Disposition must be `form-data`");
      std::optional<std::string> ext_name;
      bool ok = semi == std::string_view::npos ||
                ForEachParam(value.substr(semi + 1), [&](std::string_view k, const std::string& v) {
                  if (IEq(k, "name")) {
                    head.name = v;
                    has_name = true;
                  } else if (IEq(k, "filename")) {
                    head.is_file = true;
                    if (!ext_name) head.filename = v;
                  } else if (IEq(k, "filename*")) {
                    head.is_file = true;
                    if ((ext_name = DecodeExtValue(v))) head.filename = *ext_name;
                  }
                });
      if (!ok) Fail("malformed part header: bad Content-Disposition parameters");
    } else if (IEq(name, "Content-Type")) {
      head.content_type = LowerCopy(Trim(value.substr(0, value.find(';'))));
    }
  }
  if (!disposition) Fail("malformed part: no Content-Disposition header");
  if (!has_name) Fail("malformed part: Content-Disposition without a `name`");
  sink_.PartBegin(head);
  in_part_ = true;
}

// ---- helpers ----

std::optional<std::string> BoundaryOf(std::string_view content_type) {
  std::size_t semi = content_type.find(';');
  if (!IEq(Trim(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  std::optional<std::string> boundary;
  if (semi != std::string_view::npos) {
    bool ok = ForEachParam(content_type.substr(semi + 1), [&](std::string_view k, const std::string& v) {
      if (IEq(k, "boundary") && !boundary) boundary = v;
    });
    if (!ok) throw MultipartError(400, "malformed Content-Type parameters");
  }
  if (!boundary) throw MultipartError(400, "multipart/form-data without a `boundary` parameter in Content-Type");
  const std::string& b = *boundary;
  static constexpr std::string_view kExtra = "'()+_,-./:=? ";
  bool chars_ok = !b.empty() && b.size() <= kMaxBoundaryBytes && b.back() != ' ';
  for (char c : b) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && kExtra.find(c) == std::string_view::npos) chars_ok = false;
  }
  if (!chars_ok)
    throw MultipartError(400, "invalid multipart boundary: 1-" + std::to_string(kMaxBoundaryBytes) +
                                  " letters, digits or '()+_,-./:=? (RFC 2046)");
  return boundary;
}

std::string_view SniffType(std::string_view b) {
  auto starts = [&](std::string_view sig, std::size_t at = 0) {
    return b.size() >= at + sig.size() && b.compare(at, sig.size(), sig) == 0;
  };
  using namespace std::string_view_literals;
  if (starts("\x89PNG\r\n\x1a\n"sv)) return "image/png";
  if (starts("\xff\xd8\xff"sv)) return "image/jpeg";
  if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
  if (starts("%PDF-")) return "application/pdf";
  if (starts("PK\x03\x04"sv) || starts("PK\x05\x06"sv) || starts("PK\x07\x08"sv)) return "application/zip";
  if (starts("RIFF") && starts("WEBP", 8)) return "image/webp";
  if (starts("RIFF") && starts("WAVE", 8)) return "audio/wav";
  if (starts("\x1f\x8b\x08"sv)) return "application/gzip";
  if (starts("II*\0"sv) || starts("MM\0*"sv)) return "image/tiff";
  if (starts("OggS")) return "application/ogg";
  if (starts("ID3")) return "audio/mpeg";
  if (starts("ftyp", 4)) return "video/mp4";
  if (starts("BM") && b.size() >= 14) return "image/bmp";
  return "";
}

std::string_view CanonicalType(std::string_view t) {
  if (t == "image/jpg" || t == "image/pjpeg") return "image/jpeg";
  if (t == "image/x-png") return "image/png";
  if (t == "application/x-pdf") return "application/pdf";
  if (t == "application/x-zip-compressed" || t == "application/x-zip") return "application/zip";
  if (t == "application/x-gzip") return "application/gzip";
  if (t == "audio/x-wav" || t == "audio/wave" || t == "audio/vnd.wave") return "audio/wav";
  if (t == "audio/mp3") return "audio/mpeg";
  if (t == "image/x-ms-bmp") return "image/bmp";
  return t;
}

namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Types stored in a container SniffType names: office documents and archives are ZIP files,
// Ogg and MP4 carry audio or video.
bool InContainer(std::string_view declared, std::string_view sniffed) {
  if (sniffed == "application/zip")
    return StartsWith(declared, "application/vnd.openxmlformats-") || StartsWith(declared, "application/vnd.oasis.opendocument.") ||
           declared == "application/epub+zip" || declared == "application/java-archive";
  if (sniffed == "application/ogg") return declared == "audio/ogg" || declared == "video/ogg";
  if (sniffed == "video/mp4")
    return declared == "audio/mp4" || declared == "video/quicktime" || declared == "image/heic" || declared == "image/avif";
  return false;
}

bool HasSignature(std::string_view t) {
  static constexpr std::string_view kKnown[] = {"image/png",  "image/jpeg",      "image/gif",       "application/pdf",
                                                "application/zip", "image/webp", "audio/wav",   "application/gzip",
                                                "image/tiff", "application/ogg", "audio/mpeg",      "video/mp4",
                                                "image/bmp"};
  return std::find(std::begin(kKnown), std::end(kKnown), t) != std::end(kKnown);
}

}  // namespace

bool TypesAgree(std::string_view declared_raw, std::string_view sniffed) {
  std::string_view declared = CanonicalType(declared_raw);
  if (declared == "application/octet-stream") return true;  // "some bytes": the allowed list decides
  if (sniffed.empty()) return !HasSignature(declared);
  return declared == sniffed || InContainer(declared, sniffed);
}

std::string SafeFilename(std::string_view filename) {
  std::size_t slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  std::string out;
  for (char c : filename) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
  }
  if (out.find_first_not_of('.') == std::string::npos) out.clear();
  if (out.size() > 255) out.resize(255);
  return out;
}

}  // namespace lux::http
