// Headers, Request accessors (query, cookies, JSON/form bodies) and Response builders.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "http/router.h"
#include "lux/http.h"
#include "lux/cookies.h"

namespace lux {

namespace {
// The eight bytes of `w` with ASCII capitals in lower case (other bytes unchanged): a byte is a
// capital when it has no high bit, is >= 'A' and not > 'Z'; each test adds a constant to the
// low seven bits, which cannot carry into the next byte, and reads the byte's high bit.
std::uint64_t Lower8(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  std::uint64_t low7 = w & ~kHighs;
  std::uint64_t at_least_a = low7 + kOnes * (0x80 - 'A');
  std::uint64_t above_z = low7 + kOnes * (0x80 - 'Z' - 1);
  std::uint64_t capitals = at_least_a & ~above_z & ~w & kHighs;
  return w | (capitals >> 2);  // 0x80 >> 2 == 0x20, the case bit
}

bool IEqualsShort(const char* a, const char* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}
}  // namespace

// Eight bytes per step (header names are compared on every request: Content-Type, X-Request-Id),
// the last step overlapping the one before.
bool IEquals(std::string_view a, std::string_view b) {
  std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8) return IEqualsShort(a.data(), b.data(), n);
  auto same = [&](std::size_t at) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + at, 8);
    std::memcpy(&y, b.data() + at, 8);
    return x == y || Lower8(x) == Lower8(y);
  };
  for (std::size_t i = 0; i + 8 <= n; i += 8)
    if (!same(i)) return false;
  return n % 8 == 0 || same(n - 8);
}

namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(key, value) for each `k=v` pair of an urlencoded string, decoded.
template <typename F>
void ForEachPair(std::string_view s, F f) {
  while (!s.empty()) {
    std::size_t amp = s.find('&');
    std::string_view part = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    std::string_view k = part.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    f(http::PercentDecode(k, true), http::PercentDecode(v, true));
  }
}

bool ContentTypeIs(const Request& r, std::string_view type) {
  auto ct = r.headers.Get("content-type");
  if (!ct) return false;
  std::string_view v = *ct;
  std::size_t semi = v.find(';');
  return IEquals(Trim(v.substr(0, semi)), type);
}

// application/json or any application/*+json (problem+json, merge-patch+json, ...).
bool IsJsonType(const Request& r) {
  if (ContentTypeIs(r, "application/json")) return true;
  auto ct = r.headers.Get("content-type");
  if (!ct) return false;
  std::string_view v = Trim(ct->substr(0, ct->find(';')));
  return v.size() > 5 && IEquals(v.substr(v.size() - 5), "+json") && v.size() > 12 &&
         IEquals(v.substr(0, 12), "application/");
}
}  // namespace

bool Request::HasJsonBody() const { return IsJsonType(*this); }
bool Request::HasFormBody() const { return ContentTypeIs(*this, "application/x-www-form-urlencoded"); }

void Headers::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (IEquals(k, name)) return std::string_view(v);
  return std::nullopt;
}

bool Headers::Remove(std::string_view name) {
  bool removed = false;
  for (auto it = items_.begin(); it != items_.end();) {
    if (IEquals(it->first, name)) {
      it = items_.erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  return removed;
}

namespace {
// What Request::Clear keeps for the connection's next request: a string's memory up to this
// size (a large body or a long header value is released), a list's up to its first entries.
constexpr std::size_t kKeptStringBytes = 1024;
constexpr std::size_t kKeptListEntries = 32;

void ClearKeeping(std::string& s) {
  if (s.capacity() > kKeptStringBytes) std::string().swap(s);
  else s.clear();
}

template <class T>
void ClearKeeping(std::vector<T>& v, std::size_t keep) {
  if (v.capacity() > keep) std::vector<T>().swap(v);
  else v.clear();
}
}  // namespace

void Headers::Clear() { ClearKeeping(items_, kKeptListEntries); }

void Request::Clear() {
  // A field added to Request must be reset here (a keep-alive connection's next request would
  // see it otherwise); then update the size.
  static_assert(sizeof(Request) == 464, "a new field of lux::Request: reset it in Request::Clear");
  ClearKeeping(method);
  ClearKeeping(target);
  ClearKeeping(path);
  ClearKeeping(query_string);
  headers.Clear();
  ClearKeeping(body);
  ClearKeeping(params, kKeptListEntries);
  ClearKeeping(id);
  ClearKeeping(remote_addr);
  ClearKeeping(client_ip);
  probe = false;
  trace = TraceContext();
  locals = Value();
  files = Value();
  form_fields = Value();
  held_responses.clear();
  json_.reset();
  body_value_.reset();
}

std::optional<std::string> Request::Header(std::string_view name) const {
  auto v = headers.Get(name);
  if (!v) return std::nullopt;
  return std::string(*v);
}

std::optional<std::string> Request::Param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return std::nullopt;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  std::optional<std::string> out;
  ForEachPair(query_string, [&](std::string k, std::string v) {
    if (!out && k == name) out = std::move(v);
  });
  return out;
}

std::vector<std::string> Request::QueryAll(std::string_view name) const {
  std::vector<std::string> out;
  ForEachPair(query_string, [&](std::string k, std::string v) {
    if (k == name) out.push_back(std::move(v));
  });
  return out;
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (!IEquals(k, "cookie")) continue;
    for (auto& [n, val] : ParseCookieHeader(v))
      if (n == name) return std::move(val);
  }
  return std::nullopt;
}

// RFC 6265 5.4: a browser sends the cookie with the longest path first, so the first of a
// repeated name is the most specific one.
Value Request::CookiesValue() const {
  Value out = Value::MakeObject();
  for (const auto& [k, v] : headers) {
    if (!IEquals(k, "cookie")) continue;
    for (auto& [n, val] : ParseCookieHeader(v))
      if (!out.AsObject().Contains(n)) out.AsObject().Set(std::move(n), Value(std::move(val)));
  }
  out.MarkFromClient();
  return out;
}

const Value& Request::Json() const {
  if (!json_) {
    if (body.empty()) {
      json_ = Value();
    } else if (!IsJsonType(*this)) {
      // A browser posts an HTML form (or a no-cors fetch) to any origin without asking; only a
      // declared JSON body is read as one, so such a cross-site request cannot act as JSON.
      auto ct = headers.Get("content-type");
      std::string seen = ct ? "`" + std::string(Trim(ct->substr(0, ct->find(';')))) + "`" : std::string("none");
      Value data = Value::MakeObject();
      data["expected"] = "application/json";
      throw HttpError(415, "unsupported Content-Type " + seen + ": the body must be application/json", std::move(data));
    } else {
      try {
        json_ = ParseJson(body);
        json_->MarkFromClient();
      } catch (const JsonError& e) {
        Value data = Value::MakeObject();
        data["line"] = e.line;
        data["column"] = e.column;
        data["offset"] = static_cast<long long>(e.offset);
        throw HttpError(400, e.what(), std::move(data));
      }
    }
  }
  return *json_;
}

Value Request::Form() const {
  Value out = Value::MakeObject();
  ForEachPair(body, [&](std::string k, std::string v) { out.AsObject().Set(std::move(k), Value(std::move(v))); });
  out.MarkFromClient();
  return out;
}

Value Request::FormValue() const {
  if (!form_fields.IsNull()) return form_fields;
  if (HasFormBody()) return Form();
  return Value::MakeObject();
}

Value Request::FilesValue() const { return files.IsNull() ? Value::MakeArray() : files; }

const Value& Request::Body() const {
  if (!form_fields.IsNull()) return form_fields;  // multipart: its text fields
  if (!body.empty() && IsJsonType(*this)) return Json();
  if (!body_value_) {
    if (body.empty()) body_value_ = Value();
    else if (ContentTypeIs(*this, "application/x-www-form-urlencoded")) body_value_ = Form();
    else body_value_ = Value(body);
    body_value_->MarkFromClient();
  }
  return *body_value_;
}

Value Request::QueryValue() const {
  Value out = Value::MakeObject();
  ForEachPair(query_string, [&](std::string k, std::string v) { out.AsObject().Set(std::move(k), Value(std::move(v))); });
  out.MarkFromClient();
  return out;
}

Value Request::ParamsValue() const {
  Value out = Value::MakeObject();
  for (const auto& [k, v] : params) out.AsObject().Set(k, Value(v));
  out.MarkFromClient();
  return out;
}

Value Request::HeadersValue() const {
  Value out = Value::MakeObject();
  for (const auto& [k, v] : headers) {
    std::string key = Lower(k);
    if (Value* prev = out.AsObject().Find(key)) {
      prev->AsString() += ", ";
      prev->AsString() += v;
    } else {
      out.AsObject().Set(std::move(key), Value(v));
    }
  }
  out.MarkFromClient();
  return out;
}

bool Request::IsValueField(std::string_view name) {
  for (std::string_view f : {"method", "url", "path", "params", "query", "headers", "body", "id", "ip"})
    if (name == f) return true;
  return false;
}

Value Request::ToValue() const {
  Value v = Value::MakeObject();
  v["method"] = method;
  v["url"] = target;
  v["path"] = path;
  v["params"] = ParamsValue();
  v["query"] = QueryValue();
  v["headers"] = HeadersValue();
  v["body"] = Body();
  v["id"] = id;
  v["ip"] = client_ip;
  return v;
}

Response::Response(const Response& other)
    : status(other.status), headers(other.headers), body(other.body), failed_call(other.failed_call), sent_(other.sent_),
      stream_(other.stream_),
      static_body_(other.static_body_), file_offset_(other.file_offset_), file_length_(other.file_length_) {
  if (other.file_fd_ >= 0) file_fd_ = ::fcntl(other.file_fd_, F_DUPFD_CLOEXEC, 0);
}

Response::Response(Response&& other) noexcept
    : status(other.status), headers(std::move(other.headers)), body(std::move(other.body)),
      failed_call(std::move(other.failed_call)), sent_(other.sent_),
      stream_(std::move(other.stream_)), static_body_(other.static_body_), file_fd_(other.file_fd_), file_offset_(other.file_offset_),
      file_length_(other.file_length_) {
  other.file_fd_ = -1;
}

Response& Response::operator=(const Response& other) {
  if (this != &other) *this = Response(other);
  return *this;
}

Response& Response::operator=(Response&& other) noexcept {
  if (this == &other) return *this;
  CloseFile();
  status = other.status;
  headers = std::move(other.headers);
  body = std::move(other.body);
  failed_call = std::move(other.failed_call);
  sent_ = other.sent_;
  stream_ = std::move(other.stream_);
  static_body_ = other.static_body_;
  file_fd_ = other.file_fd_;
  file_offset_ = other.file_offset_;
  file_length_ = other.file_length_;
  other.file_fd_ = -1;
  return *this;
}

Response::~Response() { CloseFile(); }

void Response::CloseFile() {
  if (file_fd_ >= 0) ::close(file_fd_);
  file_fd_ = -1;
  file_offset_ = file_length_ = 0;
}

void Response::ClearBody() {
  body.clear();
  static_body_ = {};
  stream_.reset();
  CloseFile();
}

Response& Response::StreamBody(BodyProducer producer) {
  ClearBody();
  stream_ = std::make_shared<const BodyProducer>(std::move(producer));
  sent_ = true;
  return *this;
}

Response& Response::FileBody(int fd, std::uint64_t offset, std::uint64_t length) {
  ClearBody();
  file_fd_ = fd;
  file_offset_ = offset;
  file_length_ = length;
  sent_ = true;
  return *this;
}

void Response::LoadFileBody() {
  if (file_fd_ < 0) return;
  std::string bytes(file_length_, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::pread(file_fd_, bytes.data() + got, bytes.size() - got, static_cast<off_t>(file_offset_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      CloseFile();
      throw Error(n == 0 ? "file shrank while being read" : std::string("cannot read file: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  CloseFile();
  body = std::move(bytes);
  static_body_ = {};
}

namespace {
// Set("Content-Type", ...) without its two temporary strings when the response has none yet
// (the usual case: the value is built once, in the header's entry).
void SetContentType(Headers& headers, std::string_view value) {
  if (headers.Has("Content-Type")) headers.Set("Content-Type", std::string(value));
  else headers.Add("Content-Type", value);
}
}  // namespace

Response& Response::Json(const Value& v) {
  body.clear();
  static_body_ = {};
  CloseFile();
  AppendJson(v, body);
  SetContentType(headers, "application/json; charset=utf-8");
  sent_ = true;
  return *this;
}

Response& Response::Text(std::string s) {
  body = std::move(s);
  static_body_ = {};
  CloseFile();
  SetContentType(headers, "text/plain; charset=utf-8");
  sent_ = true;
  return *this;
}

Response& Response::Html(std::string s) {
  body = std::move(s);
  static_body_ = {};
  CloseFile();
  SetContentType(headers, "text/html; charset=utf-8");
  sent_ = true;
  return *this;
}

Response& Response::Redirect(std::string location, int code) {
  status = code;
  headers.Set("Location", std::move(location));
  ClearBody();
  sent_ = true;
  return *this;
}

Response& Response::SetCookie(std::string_view name, std::string_view value, std::string_view attributes) {
  std::string v(name);
  v += '=';
  v += value;
  if (!attributes.empty()) {
    v += "; ";
    v += attributes;
  }
  headers.Add("Set-Cookie", std::move(v));
  return *this;
}

Response Respond(int status, const Value& body) {
  Response r;
  r.status = status;
  r.Json(body);
  return r;
}

Response Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.Text(std::move(body));
  return r;
}

Response Html(int status, std::string body) {
  Response r;
  r.status = status;
  r.Html(std::move(body));
  return r;
}

Response Redirect(std::string location, int code) {
  Response r;
  r.Redirect(std::move(location), code);
  return r;
}

Value Error::ToValue() const {
  Value v = Value::MakeObject();
  v["message"] = what();
  v["status"] = status_;
  if (!data_.IsNull()) v["data"] = data_;
  if (is_thrown_) v["value"] = thrown_;
  return v;
}

namespace {
std::string ThrownMessage(const Value& v) {
  if (v.IsString()) return v.AsString();
  if (v.IsObject())
    if (const Value* m = v.Find("message"); m && m->IsString()) return m->AsString();
  return ToJson(v);
}

// The HTTP status a thrown object names (`throw { status: 404, message: "no such user" }`, or
// Node's `statusCode`), when it is one of 400-599; else 500.
int ThrownStatus(const Value& v) {
  if (!v.IsObject()) return 500;
  for (const char* key : {"status", "statusCode"})
    if (const Value* s = v.Find(key); s && s->IsInt() && s->AsInt() >= 400 && s->AsInt() <= 599)
      return static_cast<int>(s->AsInt());
  return 500;
}
}  // namespace

ThrownError::ThrownError(Value value) : Error(ThrownMessage(value), ThrownStatus(value)) { SetThrown(std::move(value)); }

}  // namespace lux
