// The language server's loop: a reader thread frames messages from stdin into a queue; the
// server thread (a large stack: the front end recurses) applies document changes at once,
// re-checks a changed document after the debounce interval or when a request needs it, and
// answers requests from the latest analysis — or, while the text has a syntax error, from the
// last analysis that checked, its offsets mapped through the edit since.
#include "lsp/lsp.h"

#include <pthread.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "lsp/analysis.h"
#include "lsp/documents.h"
#include "lsp/features.h"
#include "lsp/transport.h"

namespace lux::lsp {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kServerNotInitialized = -32002;

class MessageQueue {
 public:
  void push(std::optional<std::string> m) {
    std::lock_guard lock(mu_);
    q_.push_back(std::move(m));
    cv_.notify_one();
  }
  // A message, or nothing when `deadline` passed first. An empty optional inside: end of input.
  std::optional<std::optional<std::string>> pop(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return !q_.empty(); })) return std::nullopt;
    auto m = std::move(q_.front());
    q_.pop_front();
    return m;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::optional<std::string>> q_;
};

class Server {
 public:
  Server(int out_fd, std::ostream& log, const LspOptions& options) : out_fd_(out_fd), log_(log), options_(options) {}
  int run(MessageQueue& queue);

 private:
  void handle(const json& msg);
  json request(const std::string& method, const json& params);
  void notification(const std::string& method, const json& params);
  void send(const json& msg) { writeMessage(out_fd_, msg.dump(-1, ' ', false, json::error_handler_t::replace)); }
  void reply(const json& id, json result) { send({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}); }
  void replyError(const json& id, int code, const std::string& message) {
    send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  void analyzeNow(Document& doc);
  void publish(const Document& doc);
  void analyzeDue();
  Clock::time_point nextDeadline() const;
  Document& document(const json& params);

  int out_fd_;
  std::ostream& log_;
  LspOptions options_;
  std::map<std::string, Document> docs_;
  bool initialized_ = false;
  bool shutdown_ = false;
  std::optional<int> exit_status_;
};

struct RequestError {
  int code;
  std::string message;
};

bool validName(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

Document& Server::document(const json& params) {
  std::string uri = params.at("textDocument").at("uri").get<std::string>();
  auto it = docs_.find(uri);
  if (it == docs_.end()) throw RequestError{kInvalidParams, "document not open: " + uri};
  return it->second;
}

void Server::analyzeNow(Document& doc) {
  doc.analyze();
  if (options_.verbose)
    log_ << "luxc lsp: checked " << doc.path << " (version " << doc.version << ") in " << doc.latest->milliseconds << " ms\n"
         << std::flush;
  publish(doc);
}

void Server::publish(const Document& doc) {
  send({{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"},
        {"params", {{"uri", doc.uri}, {"version", doc.version}, {"diagnostics", diagnosticsJson(doc)}}}});
}

Clock::time_point Server::nextDeadline() const {
  Clock::time_point next = Clock::now() + std::chrono::hours(1);
  for (const auto& [uri, d] : docs_)
    if (d.dirty && d.due < next) next = d.due;
  return next;
}

void Server::analyzeDue() {
  auto now = Clock::now();
  for (auto& [uri, d] : docs_)
    if (d.dirty && d.due <= now) analyzeNow(d);
}

json Server::request(const std::string& method, const json& params) {
  if (method == "initialize") {
    initialized_ = true;
    return {{"capabilities",
             {{"positionEncoding", "utf-16"},
              {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
              {"hoverProvider", true},
              {"definitionProvider", true},
              {"referencesProvider", true},
              {"renameProvider", {{"prepareProvider", true}}},
              {"documentSymbolProvider", true},
              {"completionProvider", {{"triggerCharacters", {"."}}, {"resolveProvider", false}}},
              {"signatureHelpProvider", {{"triggerCharacters", {"(", ","}}}}}},
            {"serverInfo", {{"name", "luxc"}, {"version", "0.1.0"}}}};
  }
  if (!initialized_) throw RequestError{kServerNotInitialized, "the server is not initialized"};
  if (shutdown_) throw RequestError{kInvalidRequest, "the server is shutting down"};
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (method == "textDocument/documentSymbol") {
    Document& doc = document(params);
    if (doc.dirty) analyzeNow(doc);
    return documentSymbols(*doc.latest);
  }
  if (method == "textDocument/hover" || method == "textDocument/definition" || method == "textDocument/completion" ||
      method == "textDocument/signatureHelp" || method == "textDocument/references" || method == "textDocument/rename" ||
      method == "textDocument/prepareRename") {
    Document& doc = document(params);
    if (doc.dirty) analyzeNow(doc);
    Position p{params.at("position").at("line").get<uint32_t>(), params.at("position").at("character").get<uint32_t>()};
    bool with_decl = params.contains("context") ? params["context"].value("includeDeclaration", true) : true;
    std::string new_name = params.value("newName", "");
    if (method == "textDocument/rename" && !validName(new_name))
      throw RequestError{kInvalidParams, "`" + new_name + "` is not a name: a letter or `_`, then letters, digits or `_`"};
    return answerAt(doc, method, p, with_decl, new_name);
  }
  throw RequestError{kMethodNotFound, "unsupported method: " + method};
}

void Server::notification(const std::string& method, const json& params) {
  if (method == "exit") {
    exit_status_ = shutdown_ ? 0 : 1;
    return;
  }
  if (!initialized_) return;
  if (method == "textDocument/didOpen") {
    const json& td = params.at("textDocument");
    std::string uri = td.at("uri").get<std::string>();
    Document& doc = docs_[uri];
    doc.open(uri, td.at("text").get<std::string>(), td.value("version", 0));
    analyzeNow(doc);
  } else if (method == "textDocument/didChange") {
    Document& doc = document(params);
    for (const json& change : params.at("contentChanges")) doc.applyChange(change);
    doc.version = params.at("textDocument").value("version", doc.version + 1);
    doc.dirty = true;
    doc.due = Clock::now() + std::chrono::milliseconds(options_.debounce_ms);
  } else if (method == "textDocument/didSave") {
    Document& doc = document(params);
    if (doc.dirty) analyzeNow(doc);
  } else if (method == "textDocument/didClose") {
    std::string uri = params.at("textDocument").at("uri").get<std::string>();
    docs_.erase(uri);
    send({{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"}, {"params", {{"uri", uri}, {"diagnostics", json::array()}}}});
  }
}

void Server::handle(const json& msg) {
  if (!msg.is_object() || !msg.contains("method") || !msg["method"].is_string()) {
    if (msg.is_object() && msg.contains("id") && !msg.contains("result") && !msg.contains("error"))
      replyError(msg["id"], kInvalidRequest, "a request needs a method");
    return;  // a response to a request of ours (none are sent), or junk
  }
  std::string method = msg["method"].get<std::string>();
  json params = msg.value("params", json::object());
  bool is_request = msg.contains("id");
  try {
    if (is_request) reply(msg["id"], request(method, params));
    else notification(method, params);
  } catch (const RequestError& e) {
    if (is_request) replyError(msg["id"], e.code, e.message);
  } catch (const json::exception& e) {
    if (is_request) replyError(msg["id"], kInvalidParams, std::string("bad parameters: ") + e.what());
    else log_ << "luxc lsp: " << method << ": bad parameters: " << e.what() << "\n" << std::flush;
  } catch (const std::exception& e) {
    log_ << "luxc lsp: " << method << " failed: " << e.what() << "\n" << std::flush;
    if (is_request) replyError(msg["id"], kInternalError, e.what());
  }
}

int Server::run(MessageQueue& queue) {
  for (;;) {
    auto m = queue.pop(nextDeadline());
    if (!m) {
      analyzeDue();
      continue;
    }
    if (!*m) return 1;  // end of input without `exit`
    json msg;
    try {
      msg = json::parse(**m);
    } catch (const json::exception& e) {
      replyError(nullptr, kParseError, std::string("not JSON: ") + e.what());
      continue;
    }
    handle(msg);
    if (exit_status_) return *exit_status_;
  }
}

// The front end recurses (parser, checker): the server thread gets the driver's stack size.
constexpr size_t kServerStackBytes = 256u << 20;

}  // namespace

int runLanguageServer(int in_fd, int out_fd, std::ostream& log, const LspOptions& options) {
  // Shared with the reader, which may outlive this function (blocked in read() until exit).
  auto queue_ptr = std::make_shared<MessageQueue>();
  MessageQueue& queue = *queue_ptr;
  std::thread reader([queue_ptr, in_fd, &log] {
    MessageReader r(in_fd);
    while (auto m = r.next()) queue_ptr->push(std::move(m));
    if (!r.error().empty()) log << "luxc lsp: " << r.error() << "\n" << std::flush;
    queue_ptr->push(std::nullopt);
  });
  reader.detach();  // blocked in read() until stdin closes; the process exits with the status
  struct Job {
    Server server;
    MessageQueue* queue;
    int status = 1;
  } job{Server(out_fd, log, options), &queue};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kServerStackBytes);
  pthread_t thread;
  auto body = [](void* arg) -> void* {
    auto* j = static_cast<Job*>(arg);
    j->status = j->server.run(*j->queue);
    return nullptr;
  };
  if (pthread_create(&thread, &attr, body, &job) != 0) body(&job);
  else pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return job.status;
}

}  // namespace lux::lsp
