// Router: a trie over path segments mapping METHOD + path to a route index. Segments are
// literal, `:name` (one segment) or a final `*`/`*name` (the rest, possibly empty); literal
// beats parameter beats wildcard, with backtracking. Parameter names are each route's own, as in
// Express: `/users/:id` and `/users/:user_id/posts` share the parameter position. Entry points:
// Add, Find.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lux::http {

class Router {
 public:
  enum class Result { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    Result result = Result::kNotFound;
    int route = -1;
    std::vector<std::pair<std::string, std::string>> params;
    // Methods the path answers to (sorted, with HEAD when GET, and OPTIONS): for 405/OPTIONS.
    std::vector<std::string> allow;
  };

  Router();
  ~Router();
  // Returns the route's index (0, 1, ...). Throws std::invalid_argument on a bad pattern or a
  // duplicate METHOD + pattern.
  int Add(std::string_view method, std::string_view pattern);
  // HEAD falls back to GET. Path segments are percent-decoded before matching.
  Match Find(std::string_view method, std::string_view path) const;
  std::size_t size() const { return count_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::size_t count_ = 0;
  std::vector<std::vector<std::string>> names_;  // route index -> its parameter names, in order
};

// Percent-decodes; `plus_is_space` for form/query encoding. Invalid escapes are kept as is.
std::string PercentDecode(std::string_view s, bool plus_is_space);
// The same into `out`, replacing what it held and keeping its capacity.
void PercentDecodeInto(std::string_view s, bool plus_is_space, std::string& out);

}  // namespace lux::http
