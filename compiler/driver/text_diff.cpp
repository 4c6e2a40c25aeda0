// unifiedDiff (text_diff.h): Myers' O(ND) shortest edit script over lines, after the common
// head and tail are set aside; past kMaxEdits differing lines the middle is shown as one
// replacement (still a correct diff, only not the shortest).
#include "driver/text_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lux {
namespace {

// Bounds the edit search's memory (the trace keeps one vector per edit step).
constexpr int kMaxEdits = 2000;
constexpr size_t kContext = 3;

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size() - 1;
    lines.push_back(text.substr(pos, end - pos + 1));
    pos = end + 1;
  }
  return lines;
}

enum class Edit : char { kKeep = ' ', kDelete = '-', kInsert = '+' };

// The edit script turning a[0..n) into b[0..m).
std::vector<Edit> shortestEdits(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  int max = n + m;
  std::vector<int> v(2 * static_cast<size_t>(max) + 2, 0);
  std::vector<std::vector<int>> trace;
  auto at = [&](int k) -> int& { return v[static_cast<size_t>(k + max + 1)]; };
  int found = -1;
  for (int d = 0; d <= std::min(max, kMaxEdits) && found < 0; ++d) {
    trace.push_back(v);
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
      int y = x - k;
      while (x < n && y < m && a[static_cast<size_t>(x)] == b[static_cast<size_t>(y)]) ++x, ++y;
      at(k) = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  std::vector<Edit> edits;
  if (found < 0) {  // too many differences: replace the whole middle
    edits.assign(static_cast<size_t>(n), Edit::kDelete);
    edits.insert(edits.end(), static_cast<size_t>(m), Edit::kInsert);
    return edits;
  }
  int x = n, y = m;
  for (int d = found; d > 0; --d) {
    const std::vector<int>& pv = trace[static_cast<size_t>(d)];
    auto pat = [&](int k) { return pv[static_cast<size_t>(k + max + 1)]; };
    int k = x - y;
    int pk = (k == -d || (k != d && pat(k - 1) < pat(k + 1))) ? k + 1 : k - 1;
    int px = pat(pk), py = px - pk;
    while (x > px && y > py) edits.push_back(Edit::kKeep), --x, --y;
    edits.push_back(x == px ? Edit::kInsert : Edit::kDelete);
    x = px, y = py;
  }
  while (x > 0 && y > 0) edits.push_back(Edit::kKeep), --x, --y;
  std::reverse(edits.begin(), edits.end());
  return edits;
}

struct Row {
  Edit edit;
  std::string_view text;
  size_t a_line, b_line;  // 1-based line numbers before this row, in each text
};

void appendLine(std::string& out, char mark, std::string_view text) {
  out += mark;
  out.append(text);
  if (text.empty() || text.back() != '\n') out += "\n\\ No newline at end of file\n";
}

std::string hunks(const std::vector<Row>& rows) {
  std::string out;
  size_t i = 0;
  while (i < rows.size()) {
    while (i < rows.size() && rows[i].edit == Edit::kKeep) ++i;
    if (i == rows.size()) break;
    size_t begin = i >= kContext ? i - kContext : 0;
    size_t end = i;
    // Extend over changes closer than two contexts apart.
    for (size_t keep = 0; end < rows.size() && keep <= 2 * kContext; ++end) {
      keep = rows[end].edit == Edit::kKeep ? keep + 1 : 0;
    }
    while (end > i && rows[end - 1].edit == Edit::kKeep) --end;
    end = std::min(rows.size(), end + kContext);
    size_t a_count = 0, b_count = 0;
    for (size_t r = begin; r < end; ++r) {
      a_count += rows[r].edit != Edit::kInsert;
      b_count += rows[r].edit != Edit::kDelete;
    }
    out += "@@ -" + std::to_string(rows[begin].a_line + (a_count ? 0 : -1)) + "," + std::to_string(a_count) +
           " +" + std::to_string(rows[begin].b_line + (b_count ? 0 : -1)) + "," + std::to_string(b_count) + " @@\n";
    for (size_t r = begin; r < end; ++r) appendLine(out, static_cast<char>(rows[r].edit), rows[r].text);
    i = end;
  }
  return out;
}

}  // namespace

std::string unifiedDiff(std::string_view before, std::string_view after, const std::string& name) {
  if (before == after) return {};
  std::vector<std::string_view> a = splitLines(before), b = splitLines(after);
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  std::vector<std::string_view> mid_a(a.begin() + static_cast<long>(head), a.end() - static_cast<long>(tail));
  std::vector<std::string_view> mid_b(b.begin() + static_cast<long>(head), b.end() - static_cast<long>(tail));
  std::vector<Edit> edits(head, Edit::kKeep);
  std::vector<Edit> middle = shortestEdits(mid_a, mid_b);
  edits.insert(edits.end(), middle.begin(), middle.end());
  edits.insert(edits.end(), tail, Edit::kKeep);
  std::vector<Row> rows;
  size_t ia = 0, ib = 0;
  for (Edit e : edits) {
    Row row{e, e == Edit::kInsert ? b[ib] : a[ia], ia + 1, ib + 1};
    rows.push_back(row);
    if (e != Edit::kInsert) ++ia;
    if (e != Edit::kDelete) ++ib;
  }
  return "--- " + name + "\n+++ " + name + " (formatted)\n" + hunks(rows);
}

}  // namespace lux
