// Compression: Accept-Encoding negotiation, the type rules and the encoders (compression.h), and
// the "compression" component, whose stage encodes the response of everything inside it (the
// program's middleware and routes, static files) when the client accepts a coding, the body is
// at least min_size bytes of a compressible type, and nothing encoded it already.
// Entry point: lux::EnableCompression (lux/compression.h).
#include "http/compression.h"
#include "http/static.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "lux/compression.h"
#include "lux/error.h"
#include "lux/weighted_list.h"
#include "server/component.h"

namespace lux::http {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type of a Content-Type value, lower case, without parameters.
std::string MediaType(std::string_view content_type) {
  return LowerCopy(Trim(content_type.substr(0, content_type.find(';'))));
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view CodingName(Coding c) {
  switch (c) {
    case Coding::kBrotli: return "br";
    case Coding::kGzip: return "gzip";
    case Coding::kDeflate: return "deflate";
    case Coding::kIdentity: break;
  }
  return "";
}

Coding Negotiate(std::optional<std::string_view> accept_encoding, unsigned offered) {
  if (!accept_encoding) return Coding::kIdentity;
  constexpr Coding kOrder[] = {Coding::kBrotli, Coding::kGzip, Coding::kDeflate};
  int q[4] = {-1, -1, -1, -1};  // per Coding; -1 = not listed
  int star = -1;
  for (const WeightedItem& item : ParseWeightedList(*accept_encoding)) {
    const std::string& token = item.token;
    if (token == "*") star = item.q;
    else if (token == "br") q[static_cast<unsigned>(Coding::kBrotli)] = item.q;
    else if (token == "gzip" || token == "x-gzip") q[static_cast<unsigned>(Coding::kGzip)] = item.q;
    else if (token == "deflate") q[static_cast<unsigned>(Coding::kDeflate)] = item.q;
  }
  Coding best = Coding::kIdentity;
  int best_q = 0;
  for (Coding c : kOrder) {
    if (!(offered & (1u << static_cast<unsigned>(c)))) continue;
    int v = q[static_cast<unsigned>(c)];
    if (v < 0) v = star < 0 ? 0 : star;
    if (v > best_q) {
      best = c;
      best_q = v;
    }
  }
  return best;
}

const std::vector<std::string> kDefaultTypes = {
    "text/*", "application/json", "application/javascript", "application/x-javascript", "application/xml",
    "application/wasm", "application/x-ndjson", "image/svg+xml", "application/manifest+json",
};

bool AlreadyCompressedType(std::string_view content_type) {
  std::string t = MediaType(content_type);
  if (t == "image/svg+xml") return false;
  for (std::string_view p : {"image/", "audio/", "video/"})
    if (t.compare(0, p.size(), p) == 0) return true;
  for (std::string_view x : {"font/woff", "font/woff2", "application/zip", "application/gzip", "application/x-gzip",
                             "application/x-brotli", "application/x-bzip2", "application/x-xz", "application/zstd",
                             "application/x-7z-compressed", "application/x-rar-compressed", "application/pdf",
                             "application/octet-stream"})
    if (t == x) return true;
  return false;
}

bool CompressibleType(std::string_view content_type, const std::vector<std::string>& types) {
  if (AlreadyCompressedType(content_type)) return false;
  std::string t = MediaType(content_type);
  const std::vector<std::string>& list = types.empty() ? kDefaultTypes : types;
  for (const std::string& want : list) {
    std::string w = LowerCopy(want);
    if (w == t) return true;
    if (EndsWith(w, "/*") && t.compare(0, w.size() - 1, w, 0, w.size() - 1) == 0) return true;
  }
  // Structured syntax suffixes (application/problem+json, application/atom+xml) go with the
  // default list's JSON and XML.
  return types.empty() && (EndsWith(t, "+json") || EndsWith(t, "+xml"));
}

namespace {

std::string Brotli(std::string_view data, int level) {
  std::size_t cap = BrotliEncoderMaxCompressedSize(data.size());
  if (cap == 0) cap = data.size() + 1024;
  std::string out(cap, '\0');
  std::size_t size = cap;
  if (!BrotliEncoderCompress(level, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                             reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data())))
    throw Error("brotli: compression failed");
  out.resize(size);
  return out;
}

// gzip (window bits 15 + 16) or the zlib format HTTP calls deflate (15).
std::string Zlib(std::string_view data, int level, int window_bits) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error("zlib: deflateInit2 failed");
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  std::size_t size = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw Error("zlib: deflate failed");
  out.resize(size);
  return out;
}

}  // namespace

std::string Encode(Coding c, std::string_view data, int level) {
  switch (c) {
    case Coding::kBrotli: return Brotli(data, level > 0 ? level : 4);
    case Coding::kGzip: return Zlib(data, level > 0 ? level : 6, 15 + 16);
    case Coding::kDeflate: return Zlib(data, level > 0 ? level : 6, 15);
    case Coding::kIdentity: break;
  }
  return std::string(data);
}

namespace {

class ZlibStream final : public StreamEncoder {
 public:
  ZlibStream(int level, int window_bits) {
    if (deflateInit2(&zs_, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw Error("zlib: deflateInit2 failed");
  }
  ~ZlibStream() override { deflateEnd(&zs_); }
  std::string Chunk(std::string_view data) override { return Run(data, Z_SYNC_FLUSH); }
  std::string Finish() override { return Run({}, Z_FINISH); }

 private:
  std::string Run(std::string_view data, int flush) {
    std::string out;
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs_.avail_in = static_cast<uInt>(data.size());
    char buf[16384];
    for (;;) {
      zs_.next_out = reinterpret_cast<Bytef*>(buf);
      zs_.avail_out = sizeof buf;
      int rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) throw Error("zlib: deflate failed");
      out.append(buf, sizeof buf - zs_.avail_out);
      // Done when the output buffer was not filled (SYNC_FLUSH) or the stream ended (FINISH).
      if (flush == Z_FINISH ? rc == Z_STREAM_END : zs_.avail_out != 0) break;
    }
    return out;
  }
  z_stream zs_{};
};

class BrotliStream final : public StreamEncoder {
 public:
  explicit BrotliStream(int level) : st_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (!st_) throw Error("brotli: cannot create an encoder");
    BrotliEncoderSetParameter(st_, BROTLI_PARAM_QUALITY, static_cast<std::uint32_t>(level));
  }
  ~BrotliStream() override { BrotliEncoderDestroyInstance(st_); }
  std::string Chunk(std::string_view data) override { return Run(data, BROTLI_OPERATION_FLUSH); }
  std::string Finish() override { return Run({}, BROTLI_OPERATION_FINISH); }

 private:
  std::string Run(std::string_view data, BrotliEncoderOperation op) {
    std::string out;
    std::size_t in_left = data.size();
    const auto* in = reinterpret_cast<const std::uint8_t*>(data.data());
    std::uint8_t buf[16384];
    for (;;) {
      std::size_t out_left = sizeof buf;
      std::uint8_t* next = buf;
      if (!BrotliEncoderCompressStream(st_, op, &in_left, &in, &out_left, &next, nullptr))
        throw Error("brotli: compression failed");
      out.append(reinterpret_cast<const char*>(buf), sizeof buf - out_left);
      // Done when all input is taken and the encoder holds nothing more (the flush is complete).
      if (in_left == 0 && out_left != 0) break;
    }
    return out;
  }
  BrotliEncoderState* st_;
};

}  // namespace

std::unique_ptr<StreamEncoder> StreamEncoder::Make(Coding c, int level) {
  switch (c) {
    case Coding::kBrotli: return std::make_unique<BrotliStream>(level > 0 ? level : 4);
    case Coding::kGzip: return std::make_unique<ZlibStream>(level > 0 ? level : 6, 15 + 16);
    case Coding::kDeflate: return std::make_unique<ZlibStream>(level > 0 ? level : 6, 15);
    case Coding::kIdentity: break;
  }
  throw Error("no stream encoder for the identity coding");
}

}  // namespace lux::http

namespace lux {

namespace {

using http::Coding;

// Bodies larger than this are sent as they are: one response must not hold the worker for long
// nor double a large file in memory.
constexpr std::uint64_t kMaxCompressBytes = 16 << 20;
// Encoded copies of constant bodies (StaticBody: /docs' assets, constant documents) are kept up
// to this many bytes in all, so each is encoded once per coding.
constexpr std::size_t kMaxCachedBytes = 16 << 20;

bool HasToken(std::string_view list, std::string_view token) {
  std::size_t i = 0;
  while (i <= list.size()) {
    std::size_t comma = list.find(',', i);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(i, comma - i);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (IEquals(item, token)) return true;
    i = comma + 1;
  }
  return false;
}

class CompressionComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kCompression;
  CompressionComponent() : Component(kOrder, "compression") {}

  bool TakesPart(server::RunMode run) const override { return server::ServesRequests(run); }

  void Open(server::Host& host) override {
    host.AddStage([this](Request& req, const Next& next) {
      Response res = next(req);
      if (!res.Failed()) Apply(req, res);  // a failed call: handed back, as an error unwinds
      return res;
    });
  }

  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    cache_.clear();
    cached_bytes_ = 0;
  }

  CompressionOptions options;

 private:
  // What the stage does to one response.
  void Apply(const Request& req, Response& res) {
    if (res.headers.Has("Content-Encoding")) return;
    if (auto cc = res.headers.Get("Cache-Control"); cc && HasToken(*cc, "no-transform")) return;
    if (res.status == 304) {
      // A 304 carries the Vary of the 200 it revalidates (RFC 9110 15.4.5), so that a cache
      // keeps its variants apart. Its Content-Type is gone: a file's type comes from its path.
      auto type = res.headers.Get("Content-Type");
      if (http::CompressibleType(type ? std::string(*type) : std::string(http::MimeType(req.path)), options.types))
        AddVary(res);
      return;
    }
    if (res.status < 200 || res.status == 204 || res.status == 206) return;
    if (res.HasStreamBody()) return ApplyToStream(req, res);
    std::uint64_t size = res.BodySize();
    if (size < options.min_size || size == 0 || size > kMaxCompressBytes) return;
    auto type = res.headers.Get("Content-Type");
    if (!http::CompressibleType(type ? *type : "text/plain", options.types)) return;
    AddVary(res);
    // HEAD: the headers of the identity representation, whose Vary is the GET's.
    if (req.method == "HEAD") return;
    Coding coding = http::Negotiate(req.headers.Get("Accept-Encoding"), 0xe);
    if (coding == Coding::kIdentity) return;
    bool constant = !res.HasFileBody() && res.body.empty();
    if (res.HasFileBody()) res.LoadFileBody();
    std::string_view bytes = res.BodyView();
    std::optional<std::string_view> cached = constant ? CachedEncode(coding, bytes) : std::nullopt;
    if (cached) {
      if (cached->size() >= bytes.size()) return;
      res.StaticBody(*cached);
    } else {
      std::string encoded = http::Encode(coding, bytes, options.level);
      if (encoded.size() >= bytes.size()) return;
      res.body = std::move(encoded);
    }
    res.headers.Set("Content-Encoding", std::string(http::CodingName(coding)));
    res.headers.Remove("Content-Length");
    res.headers.Remove("Accept-Ranges");
    // Another representation: a strong validator becomes weak, as nginx does.
    if (auto etag = res.headers.Get("ETag"); etag && etag->size() > 1 && (*etag)[0] == '"')
      res.headers.Set("ETag", "W/" + std::string(*etag));
  }

  // A streamed body (its size is unknown: min_size does not apply): each piece the producer
  // writes goes through the encoder and out at once. Event streams are compressed only when
  // `types` names text/event-stream (some proxies and clients hold compressed events back).
  void ApplyToStream(const Request& req, Response& res) {
    auto type = res.headers.Get("Content-Type");
    std::string t = type ? std::string(*type) : "text/plain";
    if (!http::CompressibleType(t, options.types)) return;
    if (t.rfind("text/event-stream", 0) == 0 &&
        std::find(options.types.begin(), options.types.end(), "text/event-stream") == options.types.end())
      return;
    AddVary(res);
    if (req.method == "HEAD") return;
    Coding coding = http::Negotiate(req.headers.Get("Accept-Encoding"), 0xe);
    if (coding == Coding::kIdentity) return;
    res.headers.Set("Content-Encoding", std::string(http::CodingName(coding)));
    res.headers.Remove("Accept-Ranges");
    BodyProducer inner = res.stream_producer();
    int level = options.level;
    res.StreamBody([inner, coding, level](BodyWriter& out) {
      EncodingWriter enc(out, http::StreamEncoder::Make(coding, level));
      inner(enc);
      enc.Finish();
    });
  }

  // Passes each piece through a StreamEncoder to the connection's writer.
  class EncodingWriter final : public BodyWriter {
   public:
    EncodingWriter(BodyWriter& out, std::unique_ptr<http::StreamEncoder> enc) : out_(out), enc_(std::move(enc)) {}
    bool Write(std::string_view bytes) override {
      if (bytes.empty()) return out_.Alive();
      return out_.Write(enc_->Chunk(bytes));
    }
    bool Alive() const override { return out_.Alive(); }
    bool Stopping() const override { return out_.Stopping(); }
    void OnEnd(std::function<void()> wake) override { out_.OnEnd(std::move(wake)); }
    void Finish() {
      if (out_.Alive()) out_.Write(enc_->Finish());
    }

   private:
    BodyWriter& out_;
    std::unique_ptr<http::StreamEncoder> enc_;
  };

  // `Vary: Accept-Encoding`, merged into a Vary another stage set (CORS's Origin).
  static void AddVary(Response& res) {
    auto vary = res.headers.Get("Vary");
    if (!vary) res.headers.Add("Vary", "Accept-Encoding");
    else if (!HasToken(*vary, "Accept-Encoding") && !HasToken(*vary, "*"))
      res.headers.Set("Vary", std::string(*vary) + ", Accept-Encoding");
  }

  // A constant body's encoding, computed once while the cache has room.
  std::optional<std::string_view> CachedEncode(Coding coding, std::string_view bytes) {
    auto key = std::make_tuple(static_cast<const void*>(bytes.data()), bytes.size(), static_cast<unsigned>(coding));
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = cache_.find(key);
      if (it != cache_.end()) return *it->second;
    }
    auto encoded = std::make_unique<std::string>(http::Encode(coding, bytes, options.level));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return *it->second;
    if (cached_bytes_ + encoded->size() > kMaxCachedBytes) return std::nullopt;  // the caller encodes per response
    cached_bytes_ += encoded->size();
    std::string_view view = *encoded;
    cache_.emplace(key, std::move(encoded));
    return view;
  }

  std::mutex mu_;
  std::map<std::tuple<const void*, std::size_t, unsigned>, std::unique_ptr<std::string>> cache_;
  std::size_t cached_bytes_ = 0;
};

}  // namespace

void EnableCompression(App& app, CompressionOptions options) {
  if (options.level < 0 || options.level > 9)
    throw std::invalid_argument("compression level " + std::to_string(options.level) + " is not within 1-9");
  server::Ensure<CompressionComponent>(app).options = std::move(options);
}

}  // namespace lux
