// printLayout: layout operations (layout.h) → text. A group is printed flat when it has no forced
// break and its text up to the next possible break fits in the width; otherwise its lines break.
// Line breaks are written lazily (the largest request between two texts wins, a blank line never
// follows an opening bracket or precedes a closing one), so no line ends in white space. Then a
// blank line goes between top-level declarations, and around a declaration that spans lines.
#include <algorithm>
#include <set>

#include "fmt/layout.h"

namespace lux::formatter {
namespace {

uint32_t width(std::string_view s) {
  uint32_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

struct ItemLines {
  int32_t container = -1;
  bool top_level = false;
  uint32_t first = 0;  // the line of its first comment or token
  uint32_t code = 0;   // the line of its first token
  uint32_t last = 0;
};

class Printer {
 public:
  Printer(const std::vector<Op>& ops, const FormatOptions& options) : ops_(ops), opt_(options) {}

  std::string run() {
    out_.reserve(ops_.size() * 4);
    for (size_t i = 0; i < ops_.size(); ++i) step(i);
    out_ += '\n';
    return separateItems();
  }

 private:
  bool flat() const { return !modes_.empty() && modes_.back(); }

  void step(size_t i) {
    const Op& op = ops_[i];
    switch (op.kind) {
      // Decided by each group, also inside a flat one: a hugged last element (`f(a, {`) may break.
      case OpKind::kGroupBegin: modes_.push_back(!op.must_break && fits(i)); break;
      case OpKind::kGroupEnd: if (!modes_.empty()) modes_.pop_back(); break;
      // Inside a flat group no line breaks at this level: a broken group nested in it (a block
      // in the last argument) indents from the line it starts on.
      case OpKind::kIndentBegin:
        indents_.push_back(!flat());
        indent_ += indents_.back() ? 1 : 0;
        break;
      case OpKind::kIndentEnd:
        if (!indents_.empty()) {
          indent_ -= indents_.back() ? 1 : 0;
          indents_.pop_back();
        }
        break;
      case OpKind::kLine:
        if (flat()) {
          pending_space_ = true;
        } else {
          newline(1);
        }
        break;
      case OpKind::kSoftLine: if (!flat()) newline(1); break;
      case OpKind::kHardLine: newline(op.blank ? 2 : 1); break;
      case OpKind::kText: write(op, op.space); break;
      case OpKind::kItemBegin:
        items_.push_back(ItemLines{op.container, op.top_level, 0, 0, 0});
        open_items_.push_back(items_.size() - 1);
        await_first_ = true;
        break;
      case OpKind::kItemCode: await_code_ = true; break;
      case OpKind::kItemEnd:
        if (!open_items_.empty()) {
          items_[open_items_.back()].last = line_;
          open_items_.pop_back();
        }
        break;
    }
  }

  void newline(int n) {
    pending_nl_ = std::max(pending_nl_, n);
    pending_space_ = false;
  }

  void write(const Op& op, bool space) {
    if (pending_nl_ > 0 && !out_.empty()) {
      int n = (last_opener_ || op.closer) ? 1 : pending_nl_;
      out_.append(static_cast<size_t>(n), '\n');
      line_ += static_cast<uint32_t>(n);
      out_.append(static_cast<size_t>(indent_) * opt_.indent, ' ');
      col_ = static_cast<uint32_t>(indent_) * opt_.indent;
    } else if ((space || pending_space_) && col_ > 0) {
      out_ += ' ';
      ++col_;
    }
    pending_nl_ = 0;
    pending_space_ = false;
    if (await_first_) {
      items_[open_items_.back()].first = line_;
      await_first_ = false;
    }
    if (await_code_) {
      items_[open_items_.back()].code = line_;
      await_code_ = false;
    }
    out_.append(op.text);
    size_t nl = op.text.rfind('\n');
    if (nl == std::string_view::npos) {
      col_ += width(op.text);
    } else {
      line_ += static_cast<uint32_t>(std::count(op.text.begin(), op.text.end(), '\n'));
      col_ = width(op.text.substr(nl + 1));
    }
    last_opener_ = op.opener;
  }

  // Whether the group starting at ops_[start] fits flat: its text, and what follows it up to the
  // next possible line break, within the width. A forced break (a group that must break, a
  // comment's end of line) ends the measure: what comes after it starts a new line. After the
  // group's end, a following group counts as broken (its first break ends the measure).
  bool fits(size_t start) const {
    size_t hug = ops_[start].hug;
    int64_t room = static_cast<int64_t>(opt_.width) - (pending_nl_ > 0 ? indent_ * opt_.indent : col_);
    std::vector<bool>& broken = measure_;  // must_break of the groups entered while measuring
    broken.clear();
    int depth = 0;
    for (size_t j = start; j < ops_.size(); ++j) {
      const Op& op = ops_[j];
      switch (op.kind) {
        case OpKind::kGroupBegin:
          ++depth;
          broken.push_back(op.must_break || (depth == 1 && j != start) || (hug != 0 && j == hug));
          break;
        case OpKind::kGroupEnd:
          --depth;
          if (!broken.empty()) broken.pop_back();
          break;
        case OpKind::kText:
          if (op.comment) break;
          room -= width(op.text) + (op.space ? 1 : 0);
          if (room < 0) return false;
          if (op.text.find('\n') != std::string_view::npos) return true;
          break;
        case OpKind::kLine:
        case OpKind::kSoftLine:
          if (depth <= 0 || (!broken.empty() && broken.back())) return true;
          if (op.kind == OpKind::kLine && --room < 0) return false;
          break;
        case OpKind::kHardLine: return true;
        default: break;
      }
    }
    return true;
  }

  // One blank line between top-level declarations, and between two declarations of a block when
  // either spans several lines (before the leading comments of the second).
  std::string separateItems() const {
    std::set<uint32_t> before;  // lines that get a blank line before them
    std::vector<std::pair<int32_t, const ItemLines*>> previous;
    for (const ItemLines& item : items_) {
      auto it = std::find_if(previous.begin(), previous.end(),
                             [&](const auto& p) { return p.first == item.container; });
      if (it != previous.end()) {
        const ItemLines& prev = *it->second;
        bool wanted = item.top_level || prev.last > prev.code || item.last > item.code;
        if (wanted && item.first == prev.last + 1) before.insert(item.first);
        it->second = &item;
      } else {
        previous.emplace_back(item.container, &item);
      }
    }
    if (before.empty()) return out_;
    std::string result;
    result.reserve(out_.size() + before.size());
    uint32_t line = 1;
    size_t pos = 0;
    while (pos < out_.size()) {
      size_t end = out_.find('\n', pos);
      if (end == std::string::npos) end = out_.size() - 1;
      if (before.count(line)) result += '\n';
      result.append(out_, pos, end - pos + 1);
      pos = end + 1;
      ++line;
    }
    return result;
  }

  const std::vector<Op>& ops_;
  const FormatOptions& opt_;
  std::string out_;
  std::vector<bool> modes_;  // per open group: flat
  std::vector<bool> indents_;  // per open indentation: whether it indents (its group is broken)
  mutable std::vector<bool> measure_;  // fits()'s stack, kept to spare an allocation per group
  std::vector<ItemLines> items_;
  std::vector<size_t> open_items_;
  uint32_t col_ = 0;
  uint32_t line_ = 1;
  int indent_ = 0;
  int pending_nl_ = 0;
  bool pending_space_ = false;
  bool last_opener_ = false;
  bool await_first_ = false;
  bool await_code_ = false;
};

}  // namespace

std::string printLayout(const std::vector<Op>& ops, const FormatOptions& options) {
  return Printer(ops, options).run();
}

}  // namespace lux::formatter
