// `upload { ... }`: the "upload" runtime component. Open prepares the directory of temporary
// files (created if missing, leftovers of killed processes removed) and installs the server's
// body-stream factory: a multipart/form-data body is parsed as it arrives (http/multipart.h),
// small files kept in memory, larger ones written to a temporary file, each file's declared
// and sniffed type checked against `allowed_types`, and the sizes against `max_size`. The
// stream owns the temporary files: they are removed once the handler is done (before the response
// is written), whatever the handler did. Entry point: lux::RegisterUpload.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/ids.h"
#include "http/multipart.h"
#include "lux/upload.h"
#include "server/component.h"

namespace lux {

namespace {

constexpr char kTempPrefix[] = "lux-upload-";

struct Settings {
  UploadOptions options;
  std::string dir;
  std::size_t max_form_bytes = kMaxBodyBytes;  // the server's body limit: text fields in memory
};

bool TypeAllowed(const std::vector<std::string>& allowed, std::string_view type) {
  if (allowed.empty()) return true;
  std::string_view canonical = http::CanonicalType(type);
  for (const std::string& a : allowed) {
    if (a == "*/*") return true;
    if (a.size() > 2 && a.compare(a.size() - 2, 2, "/*") == 0) {
      if (canonical.substr(0, a.size() - 1) == std::string_view(a).substr(0, a.size() - 1)) return true;
    } else if (http::CanonicalType(a) == canonical) {
      return true;
    }
  }
  return false;
}

Value AllowedList(const std::vector<std::string>& allowed) {
  Value out = Value::MakeArray();
  for (const std::string& a : allowed) out.AsArray().push_back(Value(a));
  return out;
}

class UploadStream final : public server::BodyStream, private http::MultipartSink {
 public:
  UploadStream(std::shared_ptr<const Settings> settings, std::string boundary)
      : s_(std::move(settings)), parser_(std::move(boundary), *this) {}
  ~UploadStream() override {
    if (fd_ >= 0) ::close(fd_);
    for (const std::string& p : paths_) ::unlink(p.c_str());
  }

  std::uint64_t Limit() const override {
    return static_cast<std::uint64_t>(s_->options.max_size) + static_cast<std::uint64_t>(s_->max_form_bytes);
  }
  void Write(std::string_view bytes) override { Guard([&] { parser_.Feed(bytes); }); }
  void Finish(Request& req) override {
    Guard([&] { parser_.Finish(); });
    req.files = std::move(files_);
    req.form_fields = std::move(form_);
    req.form_fields.MarkFromClient();
  }

 private:
  template <typename F>
  void Guard(F f) {
    try {
      f();
    } catch (const http::MultipartError& e) {
      throw HttpError(e.status(), e.what());
    }
  }

  Value Where() const {
    Value d = Value::MakeObject();
    d["field"] = field_;
    if (is_file_) d["filename"] = filename_;
    return d;
  }

  void PartBegin(const http::PartHead& head) override {
    is_file_ = head.is_file;
    field_ = head.name;
    size_ = 0;
    if (!is_file_) {
      text_.clear();
      return;
    }
    filename_ = http::SafeFilename(head.filename);
    type_ = head.content_type.empty() ? "application/octet-stream" : head.content_type;
    if (++file_count_ > s_->options.max_files) {
      Value d = Where();
      d["max_files"] = s_->options.max_files;
      throw HttpError(400, "too many files in one request (at most " + std::to_string(s_->options.max_files) + ")", d);
    }
    if (!TypeAllowed(s_->options.allowed_types, type_)) {
      Value d = Where();
      d["content_type"] = type_;
      d["allowed_types"] = AllowedList(s_->options.allowed_types);
      throw HttpError(415, "file type `" + type_ + "` is not allowed", d);
    }
    sniff_.clear();
    sniffed_ = false;
    mem_.clear();
  }

  void PartData(std::string_view bytes) override {
    size_ += static_cast<std::int64_t>(bytes.size());
    if (!is_file_) {
      form_bytes_ += bytes.size();
      if (form_bytes_ > s_->max_form_bytes) {
        Value d = Where();
        d["max_bytes"] = static_cast<std::int64_t>(s_->max_form_bytes);
        throw HttpError(413, "form fields larger than the server's body limit", d);
      }
      text_.append(bytes);
      return;
    }
    files_bytes_ += static_cast<std::int64_t>(bytes.size());
    if (size_ > s_->options.max_size || files_bytes_ > s_->options.max_size) {
      Value d = Where();
      d["max_size"] = s_->options.max_size;
      throw HttpError(413,
                      size_ > s_->options.max_size ? "file larger than the upload limit of " + std::to_string(s_->options.max_size) + " bytes"
                                                   : "files larger than the upload limit of " + std::to_string(s_->options.max_size) +
                                                         " bytes in total",
                      d);
    }
    if (!sniffed_) {
      sniff_.append(bytes.substr(0, http::kSniffBytes - std::min(sniff_.size(), http::kSniffBytes)));
      if (sniff_.size() >= http::kSniffBytes) CheckContent();
    }
    if (fd_ < 0 && mem_.size() + bytes.size() <= static_cast<std::size_t>(kUploadMemoryBytes)) {
      mem_.append(bytes);
      return;
    }
    if (fd_ < 0) {
      OpenTemp();
      WriteOut(mem_);
      mem_.clear();
      mem_.shrink_to_fit();
    }
    WriteOut(bytes);
  }

  void PartEnd() override {
    if (!is_file_) {
      form_[field_] = std::move(text_);
      text_.clear();
      return;
    }
    // A file input left empty: browsers send the part with filename="" and no bytes.
    if (filename_.empty() && size_ == 0) {
      --file_count_;
      return;
    }
    if (!sniffed_) CheckContent();
    Value f = Value::MakeObject();
    f["field"] = field_;
    f["filename"] = filename_;
    f["content_type"] = type_;
    f["size"] = size_;
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
      f["path"] = paths_.back();
      f["data"] = Value();
    } else {
      f["path"] = Value();
      f["data"] = std::move(mem_);
      mem_.clear();
    }
    files_.AsArray().push_back(std::move(f));
  }

  // The first bytes against the declared type: a file declared image/png must be a PNG.
  void CheckContent() {
    sniffed_ = true;
    std::string_view found = http::SniffType(sniff_);
    if (http::TypesAgree(type_, found)) return;
    Value d = Where();
    d["content_type"] = type_;
    d["detected"] = found.empty() ? std::string("unknown") : std::string(found);
    throw HttpError(415, "file content does not match its declared type `" + type_ + "`", d);
  }

  void OpenTemp() {
    std::string path = s_->dir + "/" + kTempPrefix + std::to_string(::getpid()) + "-" + core::RandomHex(12);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) throw Error("upload: cannot create a temporary file in " + s_->dir + ": " + std::strerror(errno));
    paths_.push_back(std::move(path));
  }

  void WriteOut(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error("upload: cannot write a temporary file in " + s_->dir + ": " + std::strerror(errno));
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::shared_ptr<const Settings> s_;
  http::MultipartParser parser_;
  Value files_ = Value::MakeArray();
  Value form_ = Value::MakeObject();
  std::vector<std::string> paths_;  // every temporary file made, removed by the destructor
  // The current part.
  bool is_file_ = false;
  std::string field_, filename_, type_, text_, mem_, sniff_;
  bool sniffed_ = false;
  std::int64_t size_ = 0;
  int fd_ = -1;
  // The whole body.
  std::int64_t file_count_ = 0, files_bytes_ = 0;
  std::size_t form_bytes_ = 0;
};

// Temporary files whose process is gone (killed before it could remove them).
void RemoveLeftovers(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  const std::size_t prefix = sizeof kTempPrefix - 1;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.compare(0, prefix, kTempPrefix) != 0) continue;
    long pid = std::strtol(e->d_name + prefix, nullptr, 10);
    if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) continue;
    ::unlink((dir + "/" + std::string(name)).c_str());
  }
  ::closedir(d);
}

void MakeDirs(const std::string& dir) {
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      throw StartupError("upload: cannot create directory " + part + ": " + std::strerror(errno));
  }
}

class UploadComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kUpload;
  UploadComponent() : Component(kOrder, "upload") {}

  bool TakesPart(server::RunMode run) const override { return server::ServesRequests(run); }
  void Open(server::Host& host) override {
    auto s = std::make_shared<Settings>();
    s->options = options;
    s->max_form_bytes = host.Options().max_body_bytes;
    s->dir = options.dir;
    if (s->dir.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      s->dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/lux-uploads";
    }
    while (s->dir.size() > 1 && s->dir.back() == '/') s->dir.pop_back();
    MakeDirs(s->dir);
    struct stat st {};
    if (::stat(s->dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(s->dir.c_str(), W_OK | X_OK) != 0)
      throw StartupError("upload: directory " + s->dir + " is not a writable directory");
    RemoveLeftovers(s->dir);
    std::shared_ptr<const Settings> settings = std::move(s);
    host.SetBodyStreams([settings](const Request& head) -> std::unique_ptr<server::BodyStream> {
      auto type = head.headers.Get("content-type");
      if (!type) return nullptr;
      std::optional<std::string> boundary;
      try {
        boundary = http::BoundaryOf(*type);
      } catch (const http::MultipartError& e) {
        throw HttpError(e.status(), e.what());
      }
      if (!boundary) return nullptr;
      return std::make_unique<UploadStream>(settings, std::move(*boundary));
    });
  }

  UploadOptions options;
};

}  // namespace

void RegisterUpload(App& app, UploadOptions options) { server::Ensure<UploadComponent>(app).options = std::move(options); }

}  // namespace lux
