// Regular expressions without backtracking: a pattern compiles to a program that a Pike VM runs
// over the text's code points, all alternatives in step, so a match takes time linear in the
// text times the pattern's size whatever the two are (no catastrophic backtracking, no deep
// recursion). The compiler checks pattern literals with Compile (a bad one is a compile-time
// diagnostic); the stdlib's regex_* built-ins run them (stdlib/src/regex.cpp).
//
// Syntax (the everyday subset of JavaScript's): literals, `.`, classes `[a-z]`, `[^...]`, escapes
// `\d \w \s \D \W \S \b \B \n \t \r \f \v \0 \xHH \uHHHH` and escaped punctuation, anchors `^ $`,
// groups `(...)`, `(?:...)`, named `(?<name>...)` / `(?P<name>...)`, alternation `|`, quantifiers
// `* + ? {n} {n,} {n,m}` each greedy or lazy (`*?`). Flags: `i` (ASCII case-insensitive), `m`
// (`^`/`$` at line ends), `s` (`.` matches `\n`), `g` (accepted; every function that can act on
// all matches does). Backreferences and lookaround are refused: no linear-time engine has them.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lux::regex {

// A pattern that does not compile: what is wrong, and where (a byte offset into the pattern).
struct PatternError {
  std::string message;
  std::size_t offset = 0;
};

// One match: byte offsets into the text (begin, end) of the whole match (group 0) and of each
// capturing group; a group that took no part is {npos, npos}.
struct Match {
  std::vector<std::pair<std::size_t, std::size_t>> groups;
};

class Regex {
 public:
  // The compiled pattern, or the error. `flags` is a string of `g`, `i`, `m`, `s`.
  static std::unique_ptr<Regex> Compile(std::string_view pattern, std::string_view flags, PatternError& error);
  ~Regex();

  // The leftmost match starting at or after byte `from` (a code point boundary), or none.
  std::optional<Match> Find(std::string_view text, std::size_t from = 0) const;
  // Every non-overlapping match, left to right (an empty match advances one code point).
  std::vector<Match> FindAll(std::string_view text) const;

  std::size_t GroupCount() const;                       // capturing groups, not counting group 0
  const std::vector<std::string>& GroupNames() const;  // per group (index 0 = group 1); "" unnamed

 private:
  struct Program;
  explicit Regex(std::unique_ptr<Program> p);
  std::unique_ptr<Program> program_;
};

// The flags this engine takes, for the checker's message.
inline constexpr std::string_view kFlags = "gims";

}  // namespace lux::regex
