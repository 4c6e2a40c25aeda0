// repairMisplacedOptions: finds `with` in the wrong place of a declaration's header, reports it
// with the expected form and moves (or drops) it so the parser sees a well-formed declaration
// (misplaced_options.h).
//
// Where `with` belongs (grammar/LuxParser.g4.in):
//   schedule "cron" fn name(params) with { ... } { body }      and the `cron(...)`/`every` forms
//   background fn name(params) -> T with { ... } { body }
//   subscribe "event" with { ... } fn(params) { body }
//   route GET "/path" with mw1, mw2 => handler
//   fn name(params) -> T { body }                               (no options)
#include "parse/misplaced_options.h"

#include <algorithm>
#include <optional>
#include <string>

#include "LuxLexer.h"
#include "parse/keywords.h"

namespace lux::parse {
namespace {

using grammar::LuxLexer;

// A declaration header longer than this many tokens is not scanned (the parser reports whatever
// is wrong with it): real headers are a dozen tokens, and the bound keeps the pass linear on
// hostile input such as thousands of nested `{route`.
constexpr size_t kMaxHeaderTokens = 512;
// An options object or handler longer than this is shown as `{ ... }` / `...` in a help line.
constexpr size_t kMaxShownBytes = 40;
constexpr size_t kNone = SIZE_MAX;

enum class Kind { Schedule, Background, Subscribe, Route, PlainFn };

bool isOpener(size_t t) {
  return t == LuxLexer::LBRACE || t == LuxLexer::LPAREN || t == LuxLexer::LBRACKET || t == LuxLexer::STR_INTERP;
}
bool isCloser(size_t t) { return t == LuxLexer::RBRACE || t == LuxLexer::RPAREN || t == LuxLexer::RBRACKET; }

// Positions below are indices into the list of default-channel tokens.
struct Span {
  size_t first;
  size_t last;  // inclusive
  bool object;  // `with { ... }` rather than `with name, ...`
};

struct Header {
  Kind kind;
  size_t kw;
  std::vector<Span> withs;
  size_t body = kNone;   // the body's `{`
  size_t fn = kNone;     // the first `fn` after the keyword (subscribe)
  size_t arrow = kNone;  // `=>` (route)
  size_t result = kNone;  // a route's `-> T` before its `=>`: `with` goes before it
  size_t end = kNone;    // first position after the header (body `{`, end of line, ...)
};

// A raw-index range [first, last] moved to just before raw index `before`.
struct Move {
  size_t first;
  size_t last;
  size_t before;
};

class Repairer {
 public:
  Repairer(std::vector<std::unique_ptr<antlr4::Token>>& tokens, const TokenFilter& filter, DiagEngine& diags)
      : tokens_(tokens), filter_(filter), diags_(diags), text_(diags.file().text()) {
    for (size_t i = 0; i < tokens_.size(); ++i)
      if (tokens_[i]->getChannel() == antlr4::Token::DEFAULT_CHANNEL) d_.push_back(i);
  }

  void run();

 private:
  size_t type(size_t k) const { return k < d_.size() ? tokens_[d_[k]]->getType() : antlr4::Token::EOF; }
  SourceRange range(size_t k) const { return filter_.rangeOf(*tokens_[d_[k]]); }
  std::string_view source(size_t first, size_t last) const {
    SourceRange a = range(first), b = range(last);
    return text_.substr(a.begin, b.end > a.begin ? b.end - a.begin : 0);
  }

  std::optional<Kind> itemKind(size_t k) const;
  size_t matching(size_t k) const;
  std::optional<Span> withSpan(size_t k) const;
  std::optional<Header> scan(Kind kind, size_t kw) const;
  void repair(const Header& h);
  std::string render(const std::vector<size_t>& order, const Span& with) const;
  std::string shown(const Span& with) const;
  static bool inWith(const Header& h, size_t k);
  size_t editedUntil(const Header& h) const;

  std::vector<std::unique_ptr<antlr4::Token>>& tokens_;
  const TokenFilter& filter_;
  DiagEngine& diags_;
  std::string_view text_;
  std::vector<size_t> d_;
  std::vector<Move> moves_;
  std::vector<bool> dropped_;  // by raw index, sized on first use
  size_t edited_until_ = 0;    // raw index: items starting before it were already rewritten
};

// The declaration a token at the start of an item begins, when it is one that takes `with`.
std::optional<Kind> Repairer::itemKind(size_t k) const {
  size_t prev = k == 0 ? antlr4::Token::INVALID_TYPE : type(k - 1);
  if (k != 0 && prev != LuxLexer::NL && prev != LuxLexer::SEMI && prev != LuxLexer::LBRACE) return std::nullopt;
  size_t next = type(k + 1);
  switch (type(k)) {
    case LuxLexer::SCHEDULE:
      if (next == LuxLexer::STR_OPEN || next == LuxLexer::EVERY || next == LuxLexer::WITH) return Kind::Schedule;
      return std::nullopt;
    case LuxLexer::BACKGROUND:
      if (next == LuxLexer::FN || next == LuxLexer::WITH) return Kind::Background;
      return std::nullopt;
    case LuxLexer::SUBSCRIBE:
      if (next == LuxLexer::STR_OPEN) return Kind::Subscribe;
      return std::nullopt;
    case LuxLexer::ROUTE:
      if (isName(next) || next == LuxLexer::WITH) return Kind::Route;
      return std::nullopt;
    case LuxLexer::FN:
      if (isName(next) || next == LuxLexer::WITH) return Kind::PlainFn;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

// The closer matching the opener at `k`, or kNone.
size_t Repairer::matching(size_t k) const {
  size_t depth = 0;
  for (size_t j = k; j < d_.size(); ++j) {
    size_t t = type(j);
    if (isOpener(t)) ++depth;
    else if (isCloser(t) && --depth == 0) return j;
    if (t == antlr4::Token::EOF) break;
  }
  return kNone;
}

// `with { ... }` or `with a, b` starting at `k`.
std::optional<Span> Repairer::withSpan(size_t k) const {
  if (type(k + 1) == LuxLexer::LBRACE) {
    size_t close = matching(k + 1);
    if (close == kNone) return std::nullopt;
    return Span{k, close, true};
  }
  if (!isName(type(k + 1))) return std::nullopt;
  // Route modifiers: `with auth, role("admin"), timeout(500)`: each a name and its arguments.
  auto modifierEnd = [&](size_t name) -> size_t {
    if (type(name + 1) != LuxLexer::LPAREN) return name;
    return matching(name + 1);
  };
  size_t last = modifierEnd(k + 1);
  if (last == kNone) return std::nullopt;
  while (type(last + 1) == LuxLexer::COMMA && isName(type(last + 2))) {
    last = modifierEnd(last + 2);
    if (last == kNone) return std::nullopt;
  }
  return Span{k, last, false};
}

std::optional<Header> Repairer::scan(Kind kind, size_t kw) const {
  Header h{kind, kw};
  size_t depth = 0;
  for (size_t k = kw + 1; k < d_.size() && k - kw < kMaxHeaderTokens;) {
    size_t t = type(k);
    if (t == antlr4::Token::EOF) {
      h.end = k;
      return h;
    }
    if (depth == 0) {
      if (t == LuxLexer::NL || t == LuxLexer::SEMI || t == LuxLexer::RBRACE) {
        h.end = k;
        return h;
      }
      if (t == LuxLexer::WITH) {
        std::optional<Span> w = withSpan(k);
        if (!w) return std::nullopt;  // a bare `with`: the parser's to report
        h.withs.push_back(*w);
        k = w->last + 1;
        continue;
      }
      if (t == LuxLexer::LBRACE && kind != Kind::Route) {
        h.body = h.end = k;
        // `{ body } with { ... }` on the body's last line: options after the body.
        const size_t close = matching(k);
        if (close != kNone && type(close + 1) == LuxLexer::WITH && type(close + 2) == LuxLexer::LBRACE) {
          std::optional<Span> w = withSpan(close + 1);
          if (w) h.withs.push_back(*w);
        }
        return h;
      }
      if (t == LuxLexer::FN && h.fn == kNone) h.fn = k;
      if (t == LuxLexer::FAT_ARROW && h.arrow == kNone) h.arrow = k;
      if (t == LuxLexer::ARROW && kind == Kind::Route && h.arrow == kNone && h.result == kNone) h.result = k;
    }
    if (isOpener(t)) ++depth;
    else if (isCloser(t)) {
      if (depth == 0) return std::nullopt;
      --depth;
    }
    ++k;
  }
  return std::nullopt;
}

size_t Repairer::editedUntil(const Header& h) const {
  size_t until = d_[h.end];
  for (const Span& w : h.withs) until = std::max(until, d_[w.last] + 1);
  return until;
}

bool Repairer::inWith(const Header& h, size_t k) {
  for (const Span& w : h.withs)
    if (k >= w.first && k <= w.last) return true;
  return false;
}

std::string Repairer::shown(const Span& w) const {
  if (!w.object) return std::string(source(w.first, w.last));
  std::string_view obj = source(w.first + 1, w.last);
  return obj.size() <= kMaxShownBytes ? "with " + std::string(obj) : "with { ... }";
}

// The tokens at `order` (default-channel positions) as source text: the original spacing between
// neighbours that stay neighbours (runs of white space shown as one space), one space elsewhere;
// the `with` span is shown by shown().
std::string Repairer::render(const std::vector<size_t>& order, const Span& w) const {
  std::string out;
  size_t prev = kNone;
  for (size_t i = 0; i < order.size(); ++i) {
    size_t k = order[i];
    if (prev != kNone) {
      if (k == prev + 1) {
        SourceRange a = range(prev), b = range(k);
        bool space = false;
        for (uint32_t at = a.end; at < b.begin && at < text_.size(); ++at) {
          char c = text_[at];
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
          } else {
            if (space) out += ' ';
            space = false;
            out += c;
          }
        }
        if (space) out += ' ';
      } else {
        out += ' ';
      }
    }
    if (k == w.first) {
      out += shown(w);
      prev = w.last;
      while (i + 1 < order.size() && order[i + 1] <= w.last && order[i + 1] > w.first) ++i;
      continue;
    }
    out.append(source(k, k));
    prev = k;
  }
  return out;
}

void Repairer::repair(const Header& h) {
  // Where the options belong: just before this position.
  size_t target = kNone;
  const char* where = "";
  const char* what = "";
  bool want_object = true;
  switch (h.kind) {
    case Kind::Schedule:
      target = h.body;
      what = "schedule";
      where = "the options of a `schedule` go right before its body";
      break;
    case Kind::Background:
      target = h.body;
      what = "background fn";
      where = "the options of a `background fn` go after its parameters and return type, right before its body";
      break;
    case Kind::Subscribe:
      target = h.fn != kNone && h.body != kNone && h.fn < h.body ? h.fn : kNone;
      what = "subscribe";
      where = "the options of a `subscribe` go right after the event name, before `fn`";
      break;
    case Kind::Route:
      target = h.result != kNone ? h.result : h.arrow;
      want_object = false;
      what = "route";
      where = "a route's middleware (`with name, ...`) goes right after the path, before `=>`";
      break;
    case Kind::PlainFn:
      target = h.body;
      break;
  }
  if (target == kNone || h.withs.empty()) return;
  if (dropped_.empty()) dropped_.assign(tokens_.size(), false);
  auto drop = [&](const Span& w) {
    for (size_t i = d_[w.first]; i <= d_[w.last]; ++i) dropped_[i] = true;
  };
  auto spanRange = [&](const Span& w) { return SourceRange{range(w.first).begin, range(w.last).end}; };

  if (h.kind == Kind::PlainFn) {
    std::string name = isName(type(h.kw + 1)) ? std::string(source(h.kw + 1, h.kw + 1)) : "f";
    std::vector<size_t> order;  // the header without its options
    for (size_t k = h.kw; k < h.body; ++k)
      if (!inWith(h, k)) order.push_back(k);
    const std::string header = render(order, Span{kNone, kNone, false});
    for (const Span& w : h.withs) {
      diags_.report(DiagId::OptionsOnPlainFn, spanRange(w))
          .help("options configure jobs: `background " + header + " " + (w.object ? shown(w) : "with { ... }") +
                " { ... }` runs `" + name + "` as a background job; otherwise remove `with`");
      drop(w);
    }
    edited_until_ = editedUntil(h);
    return;
  }
  for (const Span& w : h.withs)
    if (w.object != want_object) return;  // `with` of the other form: the parser's to report

  const Span* placed = nullptr;
  for (const Span& w : h.withs)
    if (w.last + 1 == target) placed = &w;
  const Span* moved = nullptr;
  for (const Span& w : h.withs) {
    if (&w == placed) continue;
    auto b = diags_.report(DiagId::MisplacedWith, spanRange(w), where);
    if (placed || moved) {
      b.help(placed ? std::string("this `") + what + "` already has `with` in its place: merge the two"
                    : std::string("this `") + what + "` has options twice: merge them into one `with { ... }`");
      drop(w);
      continue;
    }
    moved = &w;
    // The declaration as it should read: up to the body, or through `=>` of a route, whose
    // handler follows when short.
    std::vector<size_t> order;
    const size_t stop = h.kind == Kind::Route ? h.arrow + 1 : h.body;
    for (size_t k = h.kw; k <= stop; ++k) {
      if (k == target) order.push_back(w.first);
      if (k < stop && !inWith(h, k)) order.push_back(k);
    }
    std::string text = render(order, w);
    if (h.kind == Kind::Route) {
      std::vector<size_t> handler;
      for (size_t k = h.arrow + 1; k < h.end; ++k)
        if (!inWith(h, k)) handler.push_back(k);
      const std::string tail = render(handler, Span{kNone, kNone, false});
      text += " " + (!tail.empty() && tail.size() <= kMaxShownBytes ? tail : std::string("..."));
    } else {
      text += " { ... }";
    }
    b.help("write `" + text + "`");
    moves_.push_back({d_[w.first], d_[w.last], d_[target]});
  }
  edited_until_ = editedUntil(h);
}

void Repairer::run() {
  for (size_t k = 0; k < d_.size(); ++k) {
    if (d_[k] < edited_until_) continue;
    std::optional<Kind> kind = itemKind(k);
    if (!kind) continue;
    std::optional<Header> h = scan(*kind, k);
    if (h && !h->withs.empty()) repair(*h);
  }
  if (moves_.empty() && dropped_.empty()) return;
  std::vector<bool> taken(tokens_.size(), false);
  for (const Move& m : moves_)
    for (size_t i = m.first; i <= m.last; ++i) taken[i] = true;
  std::vector<std::unique_ptr<antlr4::Token>> out;
  out.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    for (const Move& m : moves_)
      if (m.before == i)
        for (size_t j = m.first; j <= m.last; ++j) out.push_back(std::move(tokens_[j]));
    if (taken[i] || (!dropped_.empty() && dropped_[i])) continue;
    out.push_back(std::move(tokens_[i]));
  }
  tokens_ = std::move(out);
}

}  // namespace

void repairMisplacedOptions(std::vector<std::unique_ptr<antlr4::Token>>& tokens, const TokenFilter& filter,
                            DiagEngine& diags) {
  Repairer(tokens, filter, diags).run();
}

}  // namespace lux::parse
