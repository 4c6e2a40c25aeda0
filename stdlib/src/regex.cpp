// regex_test, regex_match, regex_find_all, regex_capture, regex_replace, regex_split over the
// linear-time engine of lux_common/regex.h (no backtracking: a hostile text or pattern cannot
// take the server's time). A pattern that does not compile is an error naming the problem and
// its position (a literal one is refused by luxc already, E5630). Positions in results count
// characters, as index_of does. docs/stdlib.md documents each.
#include <list>
#include <memory>
#include <string>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "lux_common/regex.h"
#include "args.h"

namespace lux::stdlib {
using args::Text;

namespace {

constexpr std::size_t kCachedPatterns = 64;  // per thread: compiled patterns kept for reuse
constexpr std::size_t kNpos = static_cast<std::size_t>(-1);

// The compiled pattern, from a small per-thread cache (a handler usually runs the same few).
const regex::Regex& Compiled(const Value& pattern, const Value& flags, const char* fn) {
  const std::string& p = Text(pattern, fn);
  std::string f = args::TextOr(flags, fn, "");
  thread_local std::list<std::pair<std::string, std::unique_ptr<regex::Regex>>> cache;
  std::string key = f + '/' + p;
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first != key) continue;
    cache.splice(cache.begin(), cache, it);
    return *cache.front().second;
  }
  regex::PatternError error;
  std::unique_ptr<regex::Regex> re = regex::Regex::Compile(p, f, error);
  if (!re)  // a pattern the client sent is the client's mistake (400)
    ClientOrError(pattern, std::string(fn) + ": bad pattern \"" + p + "\": " + error.message + " (at position " +
                               std::to_string(error.offset) + ")");
  cache.emplace_front(std::move(key), std::move(re));
  if (cache.size() > kCachedPatterns) cache.pop_back();
  return *cache.front().second;
}


Value GroupText(const std::string& s, const std::pair<std::size_t, std::size_t>& g) {
  if (g.first == kNpos) return Value();
  return Value(s.substr(g.first, g.second - g.first));
}

// `{match, index, groups}` (groups: the capturing groups' texts, null for one that took no part).
Value MatchValue(const std::string& s, const regex::Match& m) {
  Array groups;
  for (std::size_t g = 1; g < m.groups.size(); ++g) groups.push_back(GroupText(s, m.groups[g]));
  return Value{{"match", GroupText(s, m.groups[0])},
               {"index", Value(static_cast<long long>(CharIndex(s, m.groups[0].first)))},
               {"groups", Value(std::move(groups))}};
}

// The replacement text of one match: `$1`..`$99`, `$&` (the match), `$<name>`, `$$` (a `$`).
void Expand(std::string& out, const std::string& repl, const std::string& s, const regex::Match& m, const regex::Regex& re) {
  for (std::size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    char n = i + 1 < repl.size() ? repl[i + 1] : '\0';
    if (c != '$' || n == '\0') {
      out += c;
    } else if (n == '$') {
      out += '$', ++i;
    } else if (n == '&') {
      out += GroupText(s, m.groups[0]).AsString(), ++i;
    } else if (n >= '0' && n <= '9') {
      std::size_t g = static_cast<std::size_t>(n - '0');
      std::size_t used = 1;
      char n2 = i + 2 < repl.size() ? repl[i + 2] : '\0';
      if (n2 >= '0' && n2 <= '9' && g * 10 + static_cast<std::size_t>(n2 - '0') < m.groups.size())
        g = g * 10 + static_cast<std::size_t>(n2 - '0'), used = 2;
      if (g == 0 || g >= m.groups.size()) {
        out += c;
        continue;
      }
      Value t = GroupText(s, m.groups[g]);
      if (t.IsString()) out += t.AsString();
      i += used;
    } else if (n == '<' && repl.find('>', i) != std::string::npos) {
      std::size_t end = repl.find('>', i);
      std::string name = repl.substr(i + 2, end - i - 2);
      const auto& names = re.GroupNames();
      for (std::size_t g = 0; g < names.size(); ++g) {
        if (names[g] != name) continue;
        Value t = GroupText(s, m.groups[g + 1]);
        if (t.IsString()) out += t.AsString();
      }
      i = end;
    } else {
      out += c;
    }
  }
}

}  // namespace

Value RegexTest(const Value& s, const Value& pattern, const Value& flags) {
  const regex::Regex& re = Compiled(pattern, flags, "regex_test");
  return Value(re.Find(Text(s, "regex_test")).has_value());
}

Value RegexMatch(const Value& s, const Value& pattern, const Value& flags) {
  const regex::Regex& re = Compiled(pattern, flags, "regex_match");
  const std::string& t = Text(s, "regex_match");
  std::optional<regex::Match> m = re.Find(t);
  if (!m) return Err(Value("No match"));
  return Ok(MatchValue(t, *m));
}

Value RegexFindAll(const Value& s, const Value& pattern, const Value& flags) {
  const regex::Regex& re = Compiled(pattern, flags, "regex_find_all");
  const std::string& t = Text(s, "regex_find_all");
  Array out;
  for (const regex::Match& m : re.FindAll(t)) out.push_back(MatchValue(t, m));
  return Value(std::move(out));
}

Value RegexCapture(const Value& s, const Value& pattern, const Value& flags) {
  const regex::Regex& re = Compiled(pattern, flags, "regex_capture");
  const std::string& t = Text(s, "regex_capture");
  const auto& names = re.GroupNames();
  bool named = false;
  for (const std::string& n : names) named |= !n.empty();
  if (!named) return Err(Value("No named groups in the pattern"));
  std::optional<regex::Match> m = re.Find(t);
  if (!m) return Err(Value("No match"));
  Object out;
  for (std::size_t g = 0; g < names.size(); ++g)
    if (!names[g].empty()) out.Set(names[g], GroupText(t, m->groups[g + 1]));
  return Ok(Value(std::move(out)));
}

Value RegexReplace(const Value& s, const Value& pattern, const Value& replacement, const Value& flags) {
  const regex::Regex& re = Compiled(pattern, flags, "regex_replace");
  const std::string& t = Text(s, "regex_replace");
  const std::string& repl = Text(replacement, "regex_replace");
  std::string out;
  std::size_t last = 0;
  for (const regex::Match& m : re.FindAll(t)) {
    out.append(t, last, m.groups[0].first - last);
    Expand(out, repl, t, m, re);
    last = m.groups[0].second;
  }
  out.append(t, last, std::string::npos);
  return Value(out);
}

Value RegexSplit(const Value& s, const Value& pattern, const Value& flags) {
  const regex::Regex& re = Compiled(pattern, flags, "regex_split");
  const std::string& t = Text(s, "regex_split");
  Array out;
  std::size_t last = 0;
  for (const regex::Match& m : re.FindAll(t)) {
    if (m.groups[0].first == m.groups[0].second && (m.groups[0].first == 0 || m.groups[0].first == t.size())) continue;
    out.push_back(Value(t.substr(last, m.groups[0].first - last)));
    last = m.groups[0].second;
  }
  out.push_back(Value(t.substr(last)));
  return Value(std::move(out));
}

}  // namespace lux::stdlib
