// The family's string built-ins beyond the everyday ones of family.cpp: replace_first, split with
// a limit, last_index_of, count_of, char_at, center, truncate, word_wrap, dedent, indent_str,
// slugify, escape_html, unescape_html, fmt, and the validators is_email, is_url, is_numeric,
// is_alpha, is_alphanumeric, is_uuid, is_hex. Positions and widths count characters (Unicode code
// points), as len of chars(s) does. docs/stdlib.md documents each.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "args.h"

namespace lux::stdlib {
using args::Text;

namespace {

// The longest result of a padding or an indentation: a width from a client cannot take all of
// memory (repeat's and pad_start's bound).
inline constexpr std::int64_t kMaxWidth = 64 << 20;

bool Space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool Alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool Digit(char c) { return c >= '0' && c <= '9'; }
bool HexDigit(char c) { return Digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::int64_t Width(const Value& v, const char* fn) {
  std::int64_t w = args::Int(v, fn);
  if (w > kMaxWidth) throw Error(std::string(fn) + "(): the width is larger than " + std::to_string(kMaxWidth));
  return w;
}

std::string Joined(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += parts[i];
  return out;
}

// The character position of byte offset `at` of `s`.

// A validator's text: false for a value that is no String (a JSON field that is absent).
const std::string* Candidate(const Value& v) { return v.IsString() ? &v.AsString() : nullptr; }

bool AllOf(const Value& v, bool (*ok)(char)) {
  const std::string* s = Candidate(v);
  return s && !s->empty() && std::all_of(s->begin(), s->end(), ok);
}

}  // namespace

std::int64_t CharIndex(const std::string& s, std::size_t byte_offset) {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < byte_offset && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  return n;
}

Value SplitN(const Value& s, const Value& sep, const Value& limit) {
  if (limit.IsNull()) return Split(Value(Text(s, "split")), Value(Text(sep, "split")));
  const std::string& text = Text(s, "split");
  const std::string& d = Text(sep, "split");
  std::int64_t max = args::Int(limit, "split");
  if (max <= 0) return Split(s, sep);
  Array out;
  if (d.empty()) {
    std::vector<std::string> cps = CodePoints(text);
    std::size_t n = std::min<std::size_t>(cps.size(), static_cast<std::size_t>(max));
    for (std::size_t i = 0; i + 1 < n; ++i) out.push_back(Value(cps[i]));
    if (n > 0) out.push_back(Value(Joined(cps, n - 1, cps.size())));
    return Value(std::move(out));
  }
  std::size_t start = 0;
  for (std::size_t at; static_cast<std::int64_t>(out.size()) + 1 < max && (at = text.find(d, start)) != std::string::npos;
       start = at + d.size())
    out.push_back(Value(text.substr(start, at - start)));
  out.push_back(Value(text.substr(start)));
  return Value(std::move(out));
}

Value ReplaceFirst(const Value& s, const Value& from, const Value& to) {
  const std::string& t = Text(s, "replace_first");
  const std::string& f = Text(from, "replace_first");
  const std::string& r = Text(to, "replace_first");
  std::size_t at = f.empty() ? std::string::npos : t.find(f);
  if (at == std::string::npos) return s;
  return Value(t.substr(0, at) + r + t.substr(at + f.size()));
}

Value LastIndexOf(const Value& s, const Value& sub) {
  if (s.IsArray()) {  // a list: the last element equal to the value (`==`)
    const Array& a = s.AsArray();
    for (std::size_t i = a.size(); i-- > 0;)
      if (a[i] == sub) return Value(static_cast<long long>(i));
    return Value(-1);
  }
  const std::string& t = Text(s, "last_index_of");
  std::size_t at = t.rfind(Text(sub, "last_index_of"));
  return Value(static_cast<long long>(at == std::string::npos ? -1 : CharIndex(t, at)));
}

Value CountOf(const Value& s, const Value& sub) {
  const std::string& t = Text(s, "count_of");
  const std::string& n = Text(sub, "count_of");
  if (n.empty()) return Value(0LL);
  long long count = 0;
  for (std::size_t at = t.find(n); at != std::string::npos; at = t.find(n, at + n.size())) ++count;
  return Value(count);
}

Value CharAt(const Value& s, const Value& i) {
  std::vector<std::string> cps = CodePoints(Text(s, "char_at"));
  std::int64_t k = args::Int(i, "char_at");
  if (k < 0) k += static_cast<std::int64_t>(cps.size());
  if (k < 0 || k >= static_cast<std::int64_t>(cps.size())) return Value();
  return Value(cps[static_cast<std::size_t>(k)]);
}

Value Center(const Value& s, const Value& width, const Value& fill) {
  const std::string& t = Text(s, "center");
  std::vector<std::string> pad = CodePoints(args::TextOr(fill, "center", " "));
  std::int64_t have = static_cast<std::int64_t>(CodePoints(t).size());
  std::int64_t want = Width(width, "center");
  if (want <= have || pad.empty()) return s;
  std::int64_t left = (want - have) / 2, right = want - have - left;
  auto run = [&](std::int64_t n) {
    std::string out;
    for (std::int64_t k = 0; k < n; ++k) out += pad[static_cast<std::size_t>(k) % pad.size()];
    return out;
  };
  return Value(run(left) + t + run(right));
}

Value Truncate(const Value& s, const Value& n, const Value& suffix) {
  std::vector<std::string> cps = CodePoints(Text(s, "truncate"));
  std::int64_t max = args::Int(n, "truncate");
  std::string tail = args::TextOr(suffix, "truncate", "...");
  if (static_cast<std::int64_t>(cps.size()) <= max) return s;
  std::int64_t keep = std::max<std::int64_t>(0, max - static_cast<std::int64_t>(CodePoints(tail).size()));
  return Value(Joined(cps, 0, static_cast<std::size_t>(keep)) + tail);
}

Value WordWrap(const Value& s, const Value& width) {
  std::int64_t w = std::max<std::int64_t>(1, args::Int(width, "word_wrap"));
  std::string out, line;
  std::int64_t line_len = 0;
  const Value words = Words(Value(Text(s, "word_wrap")));
  for (const Value& word : words.AsArray()) {
    const std::string& text = word.AsString();
    std::int64_t n = static_cast<std::int64_t>(CodePoints(text).size());
    if (line_len > 0 && line_len + 1 + n > w) {
      out += line + "\n";
      line.clear();
      line_len = 0;
    }
    if (line_len > 0) line += ' ', ++line_len;
    line += text;
    line_len += n;
  }
  return Value(out + line);
}

Value Dedent(const Value& s) {
  std::vector<std::string> ls;
  const Value lines = Lines(Value(Text(s, "dedent")));
  for (const Value& l : lines.AsArray()) ls.push_back(l.AsString());
  std::size_t common = std::string::npos;
  for (const std::string& l : ls) {
    std::size_t i = 0;
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    if (i < l.size()) common = std::min(common, i);  // blank lines do not count
  }
  if (common == std::string::npos) common = 0;
  std::string out;
  for (std::size_t k = 0; k < ls.size(); ++k) {
    if (k) out += '\n';
    out += ls[k].size() > common ? ls[k].substr(common) : std::string();
  }
  return Value(out);
}

Value IndentStr(const Value& s, const Value& n, const Value& ch) {
  std::string unit = args::TextOr(ch, "indent_str", " ");
  std::int64_t count = Width(n, "indent_str");
  Value lines = Lines(Value(Text(s, "indent_str")));
  std::int64_t per_unit = static_cast<std::int64_t>(std::max<std::size_t>(1, unit.size() * lines.size()));
  if (count > 0 && count > kMaxWidth / per_unit)
    throw Error("indent_str(): the result would be larger than " + std::to_string(kMaxWidth) + " bytes");
  std::string prefix;
  for (std::int64_t k = 0; k < count; ++k) prefix += unit;
  std::string out;
  bool first = true;
  for (const Value& l : lines.AsArray()) {
    if (!first) out += '\n';
    out += prefix + l.AsString();
    first = false;
  }
  return Value(out);
}

Value Slugify(const Value& s) {
  std::string out;
  bool dash = false;
  for (char c : Text(s, "slugify")) {
    if (Alpha(c) || Digit(c)) {
      if (dash && !out.empty()) out += '-';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      dash = false;
    } else if (Space(c) || c == '-' || c == '_') {
      dash = true;
    }
  }
  return Value(out);
}

Value EscapeHtml(const Value& s) {
  std::string out;
  for (char c : Text(s, "escape_html")) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(out);
}

Value UnescapeHtml(const Value& s) {
  static const std::pair<const char*, char> kNamed[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}, {"&apos;", '\''}};
  const std::string& t = Text(s, "unescape_html");
  std::string out;
  for (std::size_t i = 0; i < t.size();) {
    bool done = false;
    if (t[i] == '&') {
      for (const auto& [name, c] : kNamed) {
        std::size_t n = std::char_traits<char>::length(name);
        if (t.compare(i, n, name) == 0) {
          out += c;
          i += n;
          done = true;
          break;
        }
      }
    }
    if (!done) out += t[i++];
  }
  return Value(out);
}

Value Fmt(std::initializer_list<Value> args) {
  if (args.size() == 0) throw TypeError("fmt() needs a template");
  const std::string& t = Text(*args.begin(), "fmt");
  const Value* next = args.begin() + 1;
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{' && i + 1 < t.size() && t[i + 1] == '}' && next != args.end()) {
      out += ToString(*next++).AsString();
      ++i;
    } else {
      out += t[i];
    }
  }
  return Value(out);
}

// ---- validators ---------------------------------------------------------------------------------

Value IsEmail(const Value& v) {
  const std::string* s = Candidate(v);
  if (!s || s->size() > 254) return Value(false);
  std::size_t at = s->find('@');
  if (at == 0 || at == std::string::npos || s->find('@', at + 1) != std::string::npos) return Value(false);
  std::string local = s->substr(0, at), domain = s->substr(at + 1);
  auto plain = [](const std::string& p) {
    return std::none_of(p.begin(), p.end(), [](char c) { return Space(c) || c == '<' || c == '>' || c == ',' || c == ';'; });
  };
  std::size_t dot = domain.rfind('.');
  return Value(plain(local) && plain(domain) && dot != std::string::npos && dot > 0 && dot + 2 <= domain.size() &&
               domain.front() != '.' && domain.find("..") == std::string::npos);
}

Value IsUrl(const Value& v) {
  const std::string* s = Candidate(v);
  if (!s) return Value(false);
  Value parsed = ParseUrl(*s);
  return Value(IsOk(parsed) && !OkValue(parsed).Find("host")->AsString().empty());
}

Value IsNumeric(const Value& v) {
  const std::string* s = Candidate(v);
  if (!s || s->empty() || Space(s->front()) || Space(s->back())) return Value(false);
  const char* begin = s->c_str();
  char* end = nullptr;
  std::strtod(begin, &end);
  bool digits = std::any_of(s->begin(), s->end(), Digit);
  bool plain = std::all_of(s->begin(), s->end(), [](char c) { return Digit(c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'; });
  return Value(digits && plain && end == begin + s->size());
}

Value IsAlpha(const Value& v) { return Value(AllOf(v, Alpha)); }
Value IsAlphanumeric(const Value& v) { return Value(AllOf(v, [](char c) { return Alpha(c) || Digit(c); })); }
Value IsHex(const Value& v) { return Value(AllOf(v, HexDigit)); }

Value IsUuid(const Value& v) {
  const std::string* s = Candidate(v);
  if (!s || s->size() != 36) return Value(false);
  for (std::size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? (*s)[i] != '-' : !HexDigit((*s)[i])) return Value(false);
  }
  return Value(true);
}

}  // namespace lux::stdlib
