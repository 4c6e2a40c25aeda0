// The regex engine of lux_common/regex.h: a recursive-descent parser (nesting bounded) to a
// syntax tree, a compiler to a small instruction set (char, any, class, split, jmp, save,
// assertions, match) and a Pike VM: the threads of one position run in priority order, each
// program counter at most once per position, so the work is O(text x program).
#include "lux_common/regex.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace lux::regex {

namespace {

constexpr std::size_t kNpos = static_cast<std::size_t>(-1);
constexpr int kMaxDepth = 200;           // nested groups and quantifiers while parsing
constexpr std::size_t kMaxProgram = 20000;  // instructions after counted repetition is expanded
constexpr int kMaxCount = 1000;          // the largest n of {n} / {n,m}
constexpr char32_t kMaxCodePoint = 0x10FFFF;

using Ranges = std::vector<std::pair<char32_t, char32_t>>;

struct CharClass {
  Ranges ranges;
  bool negated = false;
};

struct Node {
  enum Kind { kEmpty, kLit, kAny, kClass, kCat, kAlt, kRep, kGroup, kBol, kEol, kWordB, kNotWordB } kind = kEmpty;
  char32_t c = 0;
  int cls = -1;
  int min = 0, max = 0;  // kRep; max -1: unbounded
  bool greedy = true;
  int group = -1;  // kGroup: capture index (1-based), -1 for (?:...)
  std::vector<std::unique_ptr<Node>> kids;
};

// One code point of UTF-8 at `p` and its length (a malformed byte is itself, one byte long).
std::pair<char32_t, std::size_t> Decode(std::string_view s, std::size_t p) {
  unsigned char b = static_cast<unsigned char>(s[p]);
  std::size_t n = b < 0x80 ? 1 : b >= 0xF0 && b < 0xF8 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
  if (n == 1 || p + n > s.size()) return {b, 1};
  char32_t c = b & (0x3F >> (n - 1));
  for (std::size_t i = 1; i < n; ++i) {
    unsigned char k = static_cast<unsigned char>(s[p + i]);
    if ((k & 0xC0) != 0x80) return {b, 1};
    c = (c << 6) | (k & 0x3F);
  }
  return {c, n};
}

char32_t Lower(char32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
char32_t Upper(char32_t c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
bool WordChar(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

const Ranges kDigit = {{'0', '9'}};
const Ranges kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
const Ranges kSpace = {{'\t', '\r'}, {' ', ' '}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
                       {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};

Ranges Complement(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  char32_t next = 0;
  for (const auto& [lo, hi] : r) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = std::max<char32_t>(next, hi + 1);
  }
  if (next <= kMaxCodePoint) out.emplace_back(next, kMaxCodePoint);
  return out;
}

class Parser {
 public:
  Parser(std::string_view p, std::vector<CharClass>& classes, std::vector<std::string>& names)
      : p_(p), classes_(classes), names_(names) {}

  std::unique_ptr<Node> Parse(PatternError& error) {
    std::unique_ptr<Node> n = Alternation(0);
    if (ok_ && pos_ < p_.size()) Fail(p_[pos_] == ')' ? "unmatched `)`" : "unexpected character");
    if (!ok_) error = error_;
    return ok_ ? std::move(n) : nullptr;
  }

 private:
  bool More() const { return ok_ && pos_ < p_.size(); }
  char Peek() const { return p_[pos_]; }
  void Fail(std::string m, std::size_t at = kNpos) {
    if (!ok_) return;
    ok_ = false;
    error_ = {std::move(m), at == kNpos ? pos_ : at};
  }

  std::unique_ptr<Node> Make(Node::Kind k) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    return n;
  }

  std::unique_ptr<Node> Alternation(int depth) {
    if (depth > kMaxDepth) {
      Fail("the pattern nests too deeply");
      return Make(Node::kEmpty);
    }
    auto alt = Make(Node::kAlt);
    alt->kids.push_back(Concatenation(depth));
    while (More() && Peek() == '|') {
      ++pos_;
      alt->kids.push_back(Concatenation(depth));
    }
    return alt->kids.size() == 1 ? std::move(alt->kids[0]) : std::move(alt);
  }

  std::unique_ptr<Node> Concatenation(int depth) {
    auto cat = Make(Node::kCat);
    while (More() && Peek() != '|' && Peek() != ')') cat->kids.push_back(Repetition(depth));
    return cat;
  }

  std::unique_ptr<Node> Repetition(int depth) {
    std::size_t at = pos_;
    auto atom = Atom(depth);
    while (More()) {
      int min = 0, max = 0;
      char c = Peek();
      if (c == '*') min = 0, max = -1, ++pos_;
      else if (c == '+') min = 1, max = -1, ++pos_;
      else if (c == '?') min = 0, max = 1, ++pos_;
      else if (c == '{' && Counted(min, max)) {}
      else break;
      if (atom->kind == Node::kBol || atom->kind == Node::kEol || atom->kind == Node::kWordB || atom->kind == Node::kNotWordB ||
          atom->kind == Node::kEmpty) {
        Fail("nothing to repeat", at);
        break;
      }
      auto rep = Make(Node::kRep);
      rep->min = min, rep->max = max;
      if (More() && Peek() == '?') rep->greedy = false, ++pos_;
      rep->kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
    return atom;
  }

  // `{n}`, `{n,}`, `{n,m}` at pos_; anything else leaves pos_ alone (a literal `{`).
  bool Counted(int& min, int& max) {
    std::size_t p = pos_ + 1;
    auto number = [&](int& out) {
      std::size_t start = p;
      long long v = 0;
      while (p < p_.size() && p_[p] >= '0' && p_[p] <= '9') v = std::min<long long>(v * 10 + (p_[p++] - '0'), 1 << 30);
      out = static_cast<int>(v);
      return p > start;
    };
    if (!number(min)) return false;
    max = min;
    if (p < p_.size() && p_[p] == ',') {
      ++p;
      if (!number(max)) max = -1;
    }
    if (p >= p_.size() || p_[p] != '}') return false;
    if (min > kMaxCount || max > kMaxCount) {
      Fail("a repetition count above " + std::to_string(kMaxCount));
      return false;
    }
    if (max >= 0 && max < min) {
      Fail("a repetition `{n,m}` with m below n");
      return false;
    }
    pos_ = p + 1;
    return true;
  }

  std::unique_ptr<Node> Atom(int depth) {
    char c = Peek();
    if (c == '(') return Group(depth);
    if (c == '[') return Class();
    if (c == '*' || c == '+' || c == '?') {
      Fail("nothing to repeat");
      ++pos_;
      return Make(Node::kEmpty);
    }
    ++pos_;
    if (c == '.') return Make(Node::kAny);
    if (c == '^') return Make(Node::kBol);
    if (c == '$') return Make(Node::kEol);
    if (c == '\\') return Escape();
    --pos_;
    auto [cp, n] = Decode(p_, pos_);
    pos_ += n;
    auto lit = Make(Node::kLit);
    lit->c = cp;
    return lit;
  }

  std::unique_ptr<Node> Group(int depth) {
    std::size_t open = pos_++;
    auto g = Make(Node::kGroup);
    if (p_.substr(pos_, 2) == "?:") {
      pos_ += 2;
    } else if (p_.substr(pos_, 2) == "?=" || p_.substr(pos_, 2) == "?!" || p_.substr(pos_, 3) == "?<=" ||
               p_.substr(pos_, 3) == "?<!") {
      Fail("lookaround `(?=`, `(?!`, `(?<=`, `(?<!` is not supported (a linear-time engine has none)", open);
      return g;
    } else if (p_.substr(pos_, 2) == "?<" || p_.substr(pos_, 3) == "?P<") {
      pos_ += p_[pos_ + 1] == 'P' ? 3 : 2;
      std::size_t end = p_.find('>', pos_);
      std::string name(p_.substr(pos_, end == std::string_view::npos ? 0 : end - pos_));
      bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
                   std::all_of(name.begin(), name.end(), [](char k) { return WordChar(static_cast<unsigned char>(k)); });
      if (end == std::string_view::npos || !valid) {
        Fail("a group name must be letters, digits and `_`: `(?<name>...)`", pos_);
        return g;
      }
      if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
        Fail("the group name `" + name + "` is used twice", pos_);
        return g;
      }
      pos_ = end + 1;
      names_.push_back(name);
      g->group = static_cast<int>(names_.size());
    } else if (More() && Peek() == '?') {
      Fail("unknown group `(?" + std::string(p_.substr(pos_ + 1, 1)) + "`", open);
      return g;
    } else {
      names_.emplace_back();
      g->group = static_cast<int>(names_.size());
    }
    g->kids.push_back(Alternation(depth + 1));
    if (!More() || Peek() != ')') {
      Fail("missing `)` for the group opened here", open);
      return g;
    }
    ++pos_;
    return g;
  }

  // After a `\` (outside a class): a class escape, an assertion, or a literal.
  std::unique_ptr<Node> Escape() {
    Ranges r;
    bool is_class = false;
    if (!More()) {
      Fail("a `\\` at the end of the pattern", pos_ - 1);
      return Make(Node::kEmpty);
    }
    char e = Peek();
    if (e == 'b' || e == 'B') {
      ++pos_;
      return Make(e == 'b' ? Node::kWordB : Node::kNotWordB);
    }
    if (ClassEscape(r, is_class) && is_class) {
      auto n = Make(Node::kClass);
      n->cls = static_cast<int>(classes_.size());
      classes_.push_back({std::move(r), false});
      return n;
    }
    auto lit = Make(Node::kLit);
    lit->c = r.empty() ? 0 : r[0].first;
    return lit;
  }

  // The escape at pos_ (after `\`): a class (`\d`, is_class) or one character, into `out`.
  bool ClassEscape(Ranges& out, bool& is_class) {
    std::size_t at = pos_ - 1;
    char e = p_[pos_++];
    is_class = true;
    switch (e) {
      case 'd': out = kDigit; return true;
      case 'D': out = Complement(kDigit); return true;
      case 'w': out = kWord; return true;
      case 'W': out = Complement(kWord); return true;
      case 's': out = kSpace; return true;
      case 'S': out = Complement(kSpace); return true;
      default: break;
    }
    is_class = false;
    char32_t c = 0;
    switch (e) {
      case 'n': c = '\n'; break;
      case 't': c = '\t'; break;
      case 'r': c = '\r'; break;
      case 'f': c = '\f'; break;
      case 'v': c = '\v'; break;
      case '0': c = 0; break;
      case 'x': case 'u': {
        int digits = e == 'x' ? 2 : 4;
        for (int i = 0; i < digits; ++i, ++pos_) {
          char h = pos_ < p_.size() ? p_[pos_] : 'g';
          int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
          if (v < 0) {
            Fail(std::string("`\\") + e + "` needs " + std::to_string(digits) + " hex digits", at);
            return false;
          }
          c = c * 16 + static_cast<char32_t>(v);
        }
        break;
      }
      default:
        if ((e >= '1' && e <= '9') || e == 'k') {
          Fail("backreferences are not supported (a linear-time engine has none)", at);
          return false;
        }
        if (WordChar(static_cast<unsigned char>(e))) {
          Fail(std::string("unknown escape `\\") + e + "`", at);
          return false;
        }
        --pos_;
        auto [cp, n] = Decode(p_, pos_);  // escaped punctuation (or any non-word character) is itself
        pos_ += n;
        c = cp;
    }
    out = {{c, c}};
    return true;
  }

  std::unique_ptr<Node> Class() {
    std::size_t open = pos_++;
    CharClass cc;
    if (More() && Peek() == '^') cc.negated = true, ++pos_;
    bool first = true;
    while (More() && (Peek() != ']' || first)) {
      first = false;
      char32_t lo = 0;
      if (!ClassAtom(cc.ranges, lo)) continue;
      if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        Ranges tmp;
        char32_t hi = 0;
        if (!ClassAtom(tmp, hi)) {
          Fail("a class range must end with a character", pos_);
          break;
        }
        if (hi < lo) {
          Fail("a class range out of order", open);
          break;
        }
        cc.ranges.emplace_back(lo, hi);
      } else {
        cc.ranges.emplace_back(lo, lo);
      }
    }
    if (ok_ && !More()) Fail("missing `]` for the class opened here", open);
    ++pos_;
    auto n = Make(Node::kClass);
    n->cls = static_cast<int>(classes_.size());
    classes_.push_back(std::move(cc));
    return n;
  }

  // One element of a class: false when it was a class escape (`\d`, added to `into`), true with
  // the single character in `c`.
  bool ClassAtom(Ranges& into, char32_t& c) {
    if (Peek() == '\\') {
      ++pos_;
      if (!More()) {
        Fail("a `\\` at the end of the pattern");
        return false;
      }
      if (Peek() == 'b') {
        ++pos_;
        c = '\b';
        return true;
      }
      Ranges r;
      bool is_class = false;
      if (!ClassEscape(r, is_class)) return false;
      if (is_class) {
        into.insert(into.end(), r.begin(), r.end());
        return false;
      }
      c = r[0].first;
      return true;
    }
    auto [cp, n] = Decode(p_, pos_);
    pos_ += n;
    c = cp;
    return true;
  }

  std::string_view p_;
  std::size_t pos_ = 0;
  bool ok_ = true;
  PatternError error_;
  std::vector<CharClass>& classes_;
  std::vector<std::string>& names_;
};

enum class Op : std::uint8_t { kChar, kAny, kClass, kSplit, kJmp, kSave, kBol, kEol, kWordB, kNotWordB, kMatch };

struct Inst {
  Op op;
  char32_t c = 0;
  int x = 0, y = 0;  // split: x first; jmp: x; save: slot x; class: index x
};

}  // namespace

struct Regex::Program {
  std::vector<Inst> code;
  std::vector<CharClass> classes;
  std::vector<std::string> names;
  bool icase = false, multiline = false, dotall = false;
  bool too_large = false;

  int Emit(Inst i) {
    if (code.size() >= kMaxProgram) too_large = true;
    code.push_back(i);
    return static_cast<int>(code.size()) - 1;
  }

  void Compile(const Node& n) {
    if (too_large) return;
    switch (n.kind) {
      case Node::kEmpty: break;
      case Node::kLit: Emit({Op::kChar, icase ? Lower(n.c) : n.c}); break;
      case Node::kAny: Emit({Op::kAny}); break;
      case Node::kClass: Emit({Op::kClass, 0, n.cls}); break;
      case Node::kBol: Emit({Op::kBol}); break;
      case Node::kEol: Emit({Op::kEol}); break;
      case Node::kWordB: Emit({Op::kWordB}); break;
      case Node::kNotWordB: Emit({Op::kNotWordB}); break;
      case Node::kCat:
        for (const auto& k : n.kids) Compile(*k);
        break;
      case Node::kGroup:
        if (n.group >= 0) Emit({Op::kSave, 0, 2 * n.group});
        Compile(*n.kids[0]);
        if (n.group >= 0) Emit({Op::kSave, 0, 2 * n.group + 1});
        break;
      case Node::kAlt: CompileAlt(n); break;
      case Node::kRep: CompileRep(n); break;
    }
  }

  void CompileAlt(const Node& n) {
    std::vector<int> jumps;
    for (std::size_t i = 0; i < n.kids.size(); ++i) {
      int split = i + 1 < n.kids.size() ? Emit({Op::kSplit}) : -1;
      if (split >= 0) code[split].x = split + 1;
      Compile(*n.kids[i]);
      if (split >= 0) {
        jumps.push_back(Emit({Op::kJmp}));
        code[split].y = static_cast<int>(code.size());
      }
    }
    for (int j : jumps) code[j].x = static_cast<int>(code.size());
  }

  // A split whose preferred branch is `first` (greedy: the body) and the other `second`.
  void SetSplit(int at, int body, int out, bool greedy) {
    code[at].x = greedy ? body : out;
    code[at].y = greedy ? out : body;
  }

  void CompileRep(const Node& n) {
    const Node& body = *n.kids[0];
    for (int i = 0; i < n.min && !too_large; ++i) Compile(body);
    if (n.max < 0) {
      int loop = Emit({Op::kSplit});
      Compile(body);
      Emit({Op::kJmp, 0, loop});
      SetSplit(loop, loop + 1, static_cast<int>(code.size()), n.greedy);
      return;
    }
    std::vector<int> splits;
    for (int i = n.min; i < n.max && !too_large; ++i) {
      splits.push_back(Emit({Op::kSplit}));
      Compile(body);
    }
    for (int s : splits) SetSplit(s, s + 1, static_cast<int>(code.size()), n.greedy);
  }

  bool InClass(int index, char32_t c) const {
    const CharClass& cc = classes[static_cast<std::size_t>(index)];
    auto in = [&](char32_t k) {
      return std::any_of(cc.ranges.begin(), cc.ranges.end(), [k](const auto& r) { return k >= r.first && k <= r.second; });
    };
    bool hit = in(c) || (icase && (in(Lower(c)) || in(Upper(c))));
    return hit != cc.negated;
  }
};

Regex::Regex(std::unique_ptr<Program> p) : program_(std::move(p)) {}
Regex::~Regex() = default;

std::unique_ptr<Regex> Regex::Compile(std::string_view pattern, std::string_view flags, PatternError& error) {
  auto prog = std::make_unique<Program>();
  for (std::size_t i = 0; i < flags.size(); ++i) {
    char f = flags[i];
    if (kFlags.find(f) == std::string_view::npos || flags.find(f, i + 1) != std::string_view::npos) {
      error = {std::string("unknown or repeated flag `") + f + "` (the flags are g, i, m, s)", i};
      return nullptr;
    }
    prog->icase |= f == 'i';
    prog->multiline |= f == 'm';
    prog->dotall |= f == 's';
  }
  Parser parser(pattern, prog->classes, prog->names);
  std::unique_ptr<Node> tree = parser.Parse(error);
  if (!tree) return nullptr;
  prog->Emit({Op::kSave, 0, 0});
  prog->Compile(*tree);
  prog->Emit({Op::kSave, 0, 1});
  prog->Emit({Op::kMatch});
  if (prog->too_large) {
    error = {"the pattern is too large (over " + std::to_string(kMaxProgram) + " steps once repetitions are counted out)", 0};
    return nullptr;
  }
  return std::unique_ptr<Regex>(new Regex(std::move(prog)));
}

std::size_t Regex::GroupCount() const { return program_->names.size(); }
const std::vector<std::string>& Regex::GroupNames() const { return program_->names; }

namespace {

struct Thread {
  int pc;
  std::vector<std::size_t> caps;
};

// The code point before byte `p` (0 at the start).
char32_t Before(std::string_view s, std::size_t p) {
  if (p == 0) return 0;
  std::size_t q = p - 1;
  while (q > 0 && p - q < 4 && (static_cast<unsigned char>(s[q]) & 0xC0) == 0x80) --q;
  auto [c, n] = Decode(s, q);
  return q + n == p ? c : static_cast<unsigned char>(s[p - 1]);
}

}  // namespace

std::optional<Match> Regex::Find(std::string_view text, std::size_t from) const {
  const Program& prog = *program_;
  const std::size_t slots = 2 * (prog.names.size() + 1);
  std::vector<int> seen(prog.code.size(), -1);
  std::vector<Thread> clist, nlist, stack;
  std::optional<std::vector<std::size_t>> best;
  int generation = 0;

  // Follows the non-consuming instructions from `t` at byte position `at`, adding the threads that
  // wait on a character (or match) to `list` in priority order.
  auto add = [&](std::vector<Thread>& list, Thread t, std::size_t at) {
    stack.push_back(std::move(t));
    while (!stack.empty()) {
      Thread th = std::move(stack.back());
      stack.pop_back();
      if (seen[static_cast<std::size_t>(th.pc)] == generation) continue;
      seen[static_cast<std::size_t>(th.pc)] = generation;
      const Inst& in = prog.code[static_cast<std::size_t>(th.pc)];
      char32_t prev = Before(text, at);
      char32_t next = at < text.size() ? Decode(text, at).first : 0;
      bool hold = true;
      switch (in.op) {
        case Op::kJmp: stack.push_back({in.x, std::move(th.caps)}); continue;
        case Op::kSplit:
          stack.push_back({in.y, th.caps});
          stack.push_back({in.x, std::move(th.caps)});
          continue;
        case Op::kSave:
          th.caps[static_cast<std::size_t>(in.x)] = at;
          stack.push_back({th.pc + 1, std::move(th.caps)});
          continue;
        case Op::kBol: hold = at == 0 || (prog.multiline && prev == '\n'); break;
        case Op::kEol: hold = at == text.size() || (prog.multiline && next == '\n'); break;
        case Op::kWordB: case Op::kNotWordB: {
          bool edge = (at > 0 && WordChar(prev)) != (at < text.size() && WordChar(next));
          hold = edge == (in.op == Op::kWordB);
          break;
        }
        default: list.push_back(std::move(th)); continue;
      }
      if (hold) stack.push_back({th.pc + 1, std::move(th.caps)});
    }
  };

  std::size_t at = from;
  ++generation;
  add(clist, {0, std::vector<std::size_t>(slots, kNpos)}, at);
  while (true) {
    char32_t c = 0;
    std::size_t width = 0;
    if (at < text.size()) std::tie(c, width) = Decode(text, at);
    ++generation;
    nlist.clear();
    for (Thread& th : clist) {
      const Inst& in = prog.code[static_cast<std::size_t>(th.pc)];
      if (in.op == Op::kMatch) {
        best = std::move(th.caps);
        break;  // lower-priority threads lose to this match
      }
      if (at >= text.size()) continue;
      bool step = false;
      switch (in.op) {
        case Op::kChar: step = (prog.icase ? Lower(c) : c) == in.c; break;
        case Op::kAny: step = prog.dotall || (c != '\n' && c != '\r' && c != 0x2028 && c != 0x2029); break;
        case Op::kClass: step = prog.InClass(in.x, c); break;
        default: break;
      }
      if (step) add(nlist, {th.pc + 1, std::move(th.caps)}, at + width);
    }
    if (at >= text.size()) break;
    at += width;
    if (!best) add(nlist, {0, std::vector<std::size_t>(slots, kNpos)}, at);  // a match may start here
    if (best && nlist.empty()) break;  // nothing left that could beat the match
    std::swap(clist, nlist);
  }
  if (!best) return std::nullopt;
  Match m;
  for (std::size_t g = 0; g < slots / 2; ++g) {
    std::size_t b = (*best)[2 * g], e = (*best)[2 * g + 1];
    m.groups.emplace_back(b == kNpos || e == kNpos ? kNpos : b, b == kNpos || e == kNpos ? kNpos : e);
  }
  return m;
}

std::vector<Match> Regex::FindAll(std::string_view text) const {
  std::vector<Match> out;
  std::size_t from = 0;
  while (from <= text.size()) {
    std::optional<Match> m = Find(text, from);
    if (!m) break;
    auto [b, e] = m->groups[0];
    out.push_back(std::move(*m));
    from = e > b ? e : e + (e < text.size() ? Decode(text, e).second : 1);
  }
  return out;
}

}  // namespace lux::regex
