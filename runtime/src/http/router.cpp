// Router implementation: pattern parsing (Add) and backtracking lookup (Find).
#include "http/router.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace lux::http {

struct Router::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> param;     // `:name`: the names are each route's own (Router::names_)
  std::unique_ptr<Node> wildcard;  // `*` or `*name`
  std::vector<std::pair<std::string, int>> methods;  // method -> route index

  int MethodRoute(std::string_view m) const {
    for (const auto& [name, idx] : methods)
      if (name == m) return idx;
    return -1;
  }
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool ValidName(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

}  // namespace

// Most paths and segments have no escape and are copied whole.
void PercentDecodeInto(std::string_view s, bool plus_is_space, std::string& out) {
  if (s.find('%') == std::string_view::npos && (!plus_is_space || s.find('+') == std::string_view::npos)) {
    out.clear();  // clear and append: libstdc++'s assign goes through its general replace
    out.append(s.data(), s.size());
    return;
  }
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  PercentDecodeInto(s, plus_is_space, out);
  return out;
}

int Router::Add(std::string_view method, std::string_view pattern) {
  if (pattern.empty() || pattern[0] != '/')
    throw std::invalid_argument("route pattern `" + std::string(pattern) + "` must start with '/'");
  if (method.empty()) throw std::invalid_argument("route method is empty");
  std::vector<std::string_view> segs = SplitPath(pattern);
  Node* node = root_.get();
  std::vector<std::string> names;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    std::string_view s = segs[i];
    if (s[0] == ':') {
      std::string name(s.substr(1));
      if (!ValidName(name))
        throw std::invalid_argument("route `" + std::string(pattern) + "`: bad parameter name `" + name + "`");
      if (std::find(names.begin(), names.end(), name) != names.end())
        throw std::invalid_argument("route `" + std::string(pattern) + "`: parameter `" + name + "` repeated");
      names.push_back(name);
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
    } else if (s[0] == '*') {
      if (i + 1 != segs.size())
        throw std::invalid_argument("route `" + std::string(pattern) + "`: `*` must be the last segment");
      std::string name = s.size() > 1 ? std::string(s.substr(1)) : std::string("*");
      if (s.size() > 1 && !ValidName(name))
        throw std::invalid_argument("route `" + std::string(pattern) + "`: bad wildcard name `" + name + "`");
      names.push_back(name);
      if (!node->wildcard) node->wildcard = std::make_unique<Node>();
      node = node->wildcard.get();
    } else {
      std::string lit = PercentDecode(s, false);
      Node* next = nullptr;
      for (auto& [l, child] : node->literals)
        if (l == lit) next = child.get();
      if (!next) {
        node->literals.emplace_back(lit, std::make_unique<Node>());
        next = node->literals.back().second.get();
      }
      node = next;
    }
  }
  std::string m(method);
  if (node->MethodRoute(m) >= 0)
    throw std::invalid_argument("duplicate route " + m + " " + std::string(pattern));
  int idx = static_cast<int>(count_++);
  node->methods.emplace_back(m, idx);
  names_.push_back(std::move(names));
  return idx;
}

namespace {

struct Walker {
  const std::string* segs;  // the decoded segments, `count` of them
  std::size_t count;
  std::string_view method;
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<std::string> allow;
  bool path_matched = false;

  template <typename NodeT>
  int Visit(const NodeT* node, std::size_t i) {
    if (i == count) {
      int r = Terminal(node);
      if (r >= 0) return r;
    } else {
      for (const auto& [lit, child] : node->literals) {
        if (lit == segs[i]) {
          int r = Visit(child.get(), i + 1);
          if (r >= 0) return r;
        }
      }
      if (node->param) {
        params.emplace_back(std::string(), segs[i]);
        int r = Visit(node->param.get(), i + 1);
        if (r >= 0) return r;
        params.pop_back();
      }
    }
    if (node->wildcard) {
      std::string rest;
      for (std::size_t k = i; k < count; ++k) {
        if (k > i) rest.push_back('/');
        rest += segs[k];
      }
      params.emplace_back(std::string(), std::move(rest));
      int r = Terminal(node->wildcard.get());
      if (r >= 0) return r;
      params.pop_back();
    }
    return -1;
  }

  template <typename NodeT>
  int Terminal(const NodeT* node) {
    if (node->methods.empty()) return -1;
    path_matched = true;
    int r = node->MethodRoute(method);
    if (r < 0 && method == "HEAD") r = node->MethodRoute("GET");
    if (r >= 0) return r;
    for (const auto& [m, idx] : node->methods) {
      if (std::find(allow.begin(), allow.end(), m) == allow.end()) allow.push_back(m);
      if (m == "GET" && std::find(allow.begin(), allow.end(), "HEAD") == allow.end()) allow.push_back("HEAD");
    }
    return -1;
  }
};

}  // namespace

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  // The decoded segments, in strings this thread reuses (their capacity stays): no allocation
  // for a path of segments that fit them. Find does not run again before Walker is done.
  thread_local std::vector<std::string> segs;
  std::size_t count = 0;
  for (std::size_t i = 0; i < path.size();) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) {
      if (count == segs.size()) segs.emplace_back();
      PercentDecodeInto(path.substr(i, j - i), false, segs[count++]);
    }
    i = j;
  }
  Walker w{segs.data(), count, method, {}, {}, false};
  Match m;
  int r = w.Visit(root_.get(), 0);
  // What a long or deep path left is not kept (a worker holds at most this much after it).
  constexpr std::size_t kKeptSegments = 32, kKeptSegmentBytes = 256;
  if (segs.size() > kKeptSegments) segs.resize(kKeptSegments);
  for (std::size_t i = 0; i < count && i < segs.size(); ++i)
    if (segs[i].capacity() > kKeptSegmentBytes) std::string().swap(segs[i]);
  if (r >= 0) {
    m.result = Result::kFound;
    m.route = r;
    m.params = std::move(w.params);
    // The values are in the order of the route's own `:name`/`*name` segments.
    const std::vector<std::string>& names = names_[static_cast<std::size_t>(r)];
    for (std::size_t k = 0; k < m.params.size() && k < names.size(); ++k) m.params[k].first = names[k];
    return m;
  }
  if (w.path_matched) {
    m.result = Result::kMethodNotAllowed;
    if (std::find(w.allow.begin(), w.allow.end(), "OPTIONS") == w.allow.end()) w.allow.push_back("OPTIONS");
    std::sort(w.allow.begin(), w.allow.end());
    m.allow = std::move(w.allow);
  }
  return m;
}

}  // namespace lux::http
