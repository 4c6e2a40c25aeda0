// HeaderDeps (header_deps.h): a program header split into its top-level items, and the items one
// unit depends on. The split knows the C++ the code generator writes: namespaces, records, enums,
// prototypes, extern declarations, inline functions; string literals (raw ones too) and comments
// are skipped over, so a brace or semicolon in them does not end an item. Anything it cannot
// balance makes every unit depend on the whole header, as without it.
#include "driver/header_deps.h"

#include <cctype>

namespace lux {
namespace {

bool IdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Calls `fn` with each identifier of `text`.
template <typename Fn>
void ForEachIdentifier(std::string_view text, Fn fn) {
  for (size_t i = 0; i < text.size();) {
    if (IdentStart(text[i]) && (i == 0 || !IdentChar(text[i - 1]))) {
      size_t j = i;
      while (j < text.size() && IdentChar(text[j])) ++j;
      fn(text.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
}

std::vector<std::string> Identifiers(std::string_view text) {
  std::vector<std::string> out;
  ForEachIdentifier(text, [&](std::string_view id) { out.emplace_back(id); });
  return out;
}

bool StartsWithWord(std::string_view text, std::string_view word) {
  return text.substr(0, word.size()) == word && (text.size() == word.size() || !IdentChar(text[word.size()]));
}

enum class Kind { kType, kFunction, kOther };

// What an item declares and what kind of thing it is.
std::string Declared(std::string_view text, Kind& kind) {
  std::vector<std::string> ids = Identifiers(text);
  kind = Kind::kOther;
  if (ids.empty()) return "";
  size_t k = 0;
  while (k < ids.size() && (ids[k] == "inline" || ids[k] == "static" || ids[k] == "extern" || ids[k] == "constexpr"))
    ++k;
  if (k < ids.size() && (ids[k] == "struct" || ids[k] == "class" || ids[k] == "union" || ids[k] == "enum")) {
    ++k;
    if (k < ids.size() && (ids[k] == "class" || ids[k] == "struct")) ++k;
    kind = Kind::kType;
    return k < ids.size() ? ids[k] : "";
  }
  if (k < ids.size() && ids[k] == "using" && k + 1 < ids.size()) {
    kind = Kind::kType;
    return ids[k + 1];
  }
  // A function: the identifier right before the first parenthesis (before any initialiser).
  size_t paren = text.find('(');
  size_t stop = text.find_first_of("={;");
  if (paren != std::string_view::npos && (stop == std::string_view::npos || paren < stop)) {
    size_t end = paren;
    while (end > 0 && text[end - 1] == ' ') --end;
    size_t begin = end;
    while (begin > 0 && IdentChar(text[begin - 1])) --begin;
    kind = Kind::kFunction;
    return std::string(text.substr(begin, end - begin));
  }
  // A variable: the last identifier before its initialiser or the semicolon.
  std::string_view head = text.substr(0, stop == std::string_view::npos ? text.size() : stop);
  std::vector<std::string> head_ids = Identifiers(head);
  return head_ids.empty() ? "" : head_ids.back();
}

// At a string or character literal (raw ones too): the offset just past it; npos when it does
// not end; 0 when `i` does not start one.
size_t LiteralEnd(std::string_view h, size_t i) {
  char c = h[i];
  char next = i + 1 < h.size() ? h[i + 1] : '\0';
  bool word_before = i > 0 && IdentChar(h[i - 1]);
  if (c == 'R' && next == '"' && !word_before) {  // R"delim( ... )delim"
    size_t open = h.find('(', i + 2);
    if (open == std::string_view::npos) return std::string_view::npos;
    std::string close = ")" + std::string(h.substr(i + 2, open - i - 2)) + "\"";
    size_t end = h.find(close, open + 1);
    return end == std::string_view::npos ? end : end + close.size();
  }
  if (c == '"' || (c == '\'' && !word_before)) {
    size_t j = i + 1;
    while (j < h.size() && h[j] != c) j += h[j] == '\\' ? 2 : 1;
    return j >= h.size() ? std::string_view::npos : j + 1;
  }
  return 0;
}

}  // namespace

HeaderDeps::HeaderDeps(std::string_view h) : whole_(h) {
  std::string cur;
  std::vector<char> stack;  // 'n' a namespace (looked through), 'b' a block of the current item
  int blocks = 0;
  bool ok = true, line_start = true;
  auto space = [&] {
    if (!cur.empty() && cur.back() != ' ') cur += ' ';
  };
  auto flush = [&] {
    while (!cur.empty() && cur.back() == ' ') cur.pop_back();
    if (!cur.empty()) items_.push_back(Item{cur, {}, ""});
    cur.clear();
  };
  size_t i = 0, n = h.size();
  while (i < n && ok) {
    char c = h[i];
    char next = i + 1 < n ? h[i + 1] : '\0';
    if (c == '\n') {
      line_start = true;
      space();
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      space();
      ++i;
      continue;
    }
    if (line_start && c == '#') {  // a preprocessor line (with its continuations)
      size_t j = i;
      while (j < n && (h[j] != '\n' || (j > i && h[j - 1] == '\\'))) ++j;
      preamble_ += std::string(h.substr(i, j - i)) + "\n";
      i = j;
      continue;
    }
    line_start = false;
    if (c == '/' && next == '/') {
      while (i < n && h[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && next == '*') {
      size_t end = h.find("*/", i + 2);
      if (end == std::string_view::npos) ok = false;
      i = end == std::string_view::npos ? n : end + 2;
      space();
      continue;
    }
    if (size_t end = LiteralEnd(h, i); end != 0) {  // a string or character literal, kept whole
      if (end == std::string_view::npos) {
        ok = false;
        break;
      }
      cur += h.substr(i, end - i);
      i = end;
      continue;
    }
    if (c == '{') {
      std::string_view trimmed(cur);
      while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
      if (blocks == 0 && StartsWithWord(trimmed, "namespace")) {
        stack.push_back('n');
        cur.clear();
      } else {
        stack.push_back('b');
        ++blocks;
        cur += c;
      }
      ++i;
      continue;
    }
    if (c == '}') {
      if (stack.empty()) {
        ok = false;
        break;
      }
      char kind = stack.back();
      stack.pop_back();
      ++i;
      if (kind == 'n') {
        flush();
        continue;
      }
      cur += c;
      if (--blocks == 0) {  // the end of a record, an enum or a function: with its `;`, if any
        size_t j = i;
        while (j < n && (h[j] == ' ' || h[j] == '\t' || h[j] == '\r' || h[j] == '\n')) ++j;
        if (j < n && h[j] == ';') {
          cur += ';';
          i = j + 1;
        }
        flush();
      }
      continue;
    }
    cur += c;
    ++i;
    if (c == ';' && blocks == 0) flush();
  }
  flush();
  if (!ok || !stack.empty()) {
    items_.clear();
    preamble_.clear();
    return;
  }
  Link();
}

void HeaderDeps::Link() {
  std::map<std::string, std::vector<size_t>> functions;  // name → its function items
  std::vector<Kind> kinds(items_.size());
  typed_.assign(items_.size(), false);
  for (size_t k = 0; k < items_.size(); ++k) {
    Item& it = items_[k];
    ForEachIdentifier(it.text, [&](std::string_view id) { it.names.emplace(id); });
    it.declares = Declared(it.text, kinds[k]);
    if (it.declares.empty()) continue;
    by_name_[it.declares].push_back(k);
    if (kinds[k] == Kind::kFunction) functions[it.declares].push_back(k);
  }
  // A function item also goes with each header type it names (argument-dependent lookup finds a
  // type's ToValue/FromValue from code that never spells the function's name).
  for (size_t k = 0; k < items_.size(); ++k) {
    if (kinds[k] != Kind::kFunction) continue;
    for (const std::string& name : items_[k].names) {
      if (name == items_[k].declares) continue;
      auto t = by_name_.find(name);
      if (t == by_name_.end()) continue;
      bool is_type = false;
      for (size_t d : t->second) is_type |= kinds[d] == Kind::kType;
      if (is_type) {
        type_users_[name].push_back(k);
        typed_[k] = true;
      }
    }
  }
  // A function whose every declaration names a header type (ToValue, FromValue): its overloads
  // come with their types; naming the function takes none of them (each unit defining or calling
  // one for its own type would otherwise depend on every record).
  for (const auto& [fn, ks] : functions) {
    bool all = ks.size() > 1;
    for (size_t k : ks) all = all && typed_[k];
    if (all) by_type_only_.insert(fn);
  }
}

std::string HeaderDeps::UsedBy(std::string_view unit_text) const {
  if (items_.empty()) return whole_;
  std::vector<bool> taken(items_.size(), false);
  std::set<std::string> named;
  std::vector<std::string> todo;
  auto name = [&](const std::string& id) {
    if ((by_name_.count(id) || type_users_.count(id)) && named.insert(id).second) todo.push_back(id);
  };
  ForEachIdentifier(unit_text, [&](std::string_view id) { name(std::string(id)); });
  auto take = [&](size_t k) {
    if (taken[k]) return;
    taken[k] = true;
    // Not its own name: the other overloads of a function it declares are not its dependencies.
    for (const std::string& id : items_[k].names)
      if (id != items_[k].declares) name(id);
  };
  while (!todo.empty()) {
    std::string id = todo.back();
    todo.pop_back();
    if (auto d = by_name_.find(id); d != by_name_.end() && !by_type_only_.count(id))
      for (size_t k : d->second) take(k);
    if (auto u = type_users_.find(id); u != type_users_.end())
      for (size_t k : u->second) take(k);
  }
  std::string out = preamble_;
  for (size_t k = 0; k < items_.size(); ++k)
    if (taken[k]) out += items_[k].text + "\n";
  return out;
}

}  // namespace lux
