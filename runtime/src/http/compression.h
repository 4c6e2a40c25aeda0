// Response compression (`compression { }`): content-coding negotiation from Accept-Encoding
// (q-values, `*`, `identity;q=0`), which media types are worth compressing, and the encoders
// (Brotli, gzip and deflate through libbrotlienc and zlib, both loaded on first use:
// src/lazy/). The component adding the stage is in compression.cpp (lux::EnableCompression).
// Entry points: Negotiate, CompressibleType, Encode.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lux::http {

enum class Coding : unsigned { kIdentity, kBrotli, kGzip, kDeflate };

// The Content-Encoding token of a coding ("br", "gzip", "deflate"; "" for identity).
std::string_view CodingName(Coding c);

// The coding to answer with among `offered` (a mask of 1 << Coding) for this Accept-Encoding
// value: the highest q-value wins, ties go to Brotli, then gzip, then deflate; a coding with
// q=0, or not listed when `*` is absent, is not acceptable. No header: identity.
Coding Negotiate(std::optional<std::string_view> accept_encoding, unsigned offered);

// Media types that are compressed already (images but SVG, audio, video, fonts in WOFF, archives):
// never compressed again whatever `types` says.
bool AlreadyCompressedType(std::string_view content_type);
// Whether a response of this Content-Type is compressed: in `types` ("text/*" covers a type; an
// empty list means kDefaultTypes) and not AlreadyCompressedType.
bool CompressibleType(std::string_view content_type, const std::vector<std::string>& types);
extern const std::vector<std::string> kDefaultTypes;

// The bytes encoded with `c` at `level` (1-9; 0 = the coding's default). Throws lux::Error when the
// encoder fails or its library cannot be loaded.
std::string Encode(Coding c, std::string_view data, int level);

// The encoder of a streamed body (Response::StreamBody): each Chunk is flushed (zlib's
// Z_SYNC_FLUSH, Brotli's BROTLI_OPERATION_FLUSH), so that the client can decode everything
// written so far at once; Finish ends the coded stream. Throws lux::Error when the encoder fails.
class StreamEncoder {
 public:
  // `c` is not kIdentity; `level` as for Encode.
  static std::unique_ptr<StreamEncoder> Make(Coding c, int level);
  virtual ~StreamEncoder() = default;
  virtual std::string Chunk(std::string_view data) = 0;
  virtual std::string Finish() = 0;
};

}  // namespace lux::http
