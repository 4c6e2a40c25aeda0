// The one parser of weighted header lists (`Accept`, `Accept-Encoding`): the compression
// component negotiates a coding with it, the stdlib's `negotiate(...)` a media type
// (lux/weighted_list.h).
#include <algorithm>

#include "lux/weighted_list.h"

namespace lux {

namespace {

bool Blank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && Blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && Blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  return out;
}

// A qvalue in thousandths: "0", "1", "0.", "0.5", "0.125", "1.000"; -1 for anything else.
int QValue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int q = (v[0] - '0') * 1000;
  if (v.size() == 1) return q;
  if (v[1] != '.' || v.size() > 5) return -1;
  int scale = 100;
  for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
    if (v[i] < '0' || v[i] > '9') return -1;
    q += (v[i] - '0') * scale;
  }
  return q > 1000 ? -1 : q;
}

// The weight of an item's parameters (what follows its first `;`): 1000 without a `q`, -1 for
// a malformed one.
int WeightOf(std::string_view params) {
  int q = 1000;
  while (!params.empty()) {
    std::size_t semi = params.find(';');
    std::string_view p = Trimmed(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') q = QValue(Trimmed(p.substr(2)));
    if (q < 0) return -1;
  }
  return q;
}

}  // namespace

std::vector<WeightedItem> ParseWeightedList(std::string_view list) {
  std::vector<WeightedItem> out;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    std::size_t semi = item.find(';');
    std::string_view token = Trimmed(item.substr(0, semi));
    int q = semi == std::string_view::npos ? 1000 : WeightOf(item.substr(semi + 1));
    if (token.empty() || q < 0) continue;
    out.push_back(WeightedItem{Lowered(token), q});
  }
  return out;
}

std::vector<WeightedItem> PreferredItems(std::string_view list) {
  std::vector<WeightedItem> out = ParseWeightedList(list);
  out.erase(std::remove_if(out.begin(), out.end(), [](const WeightedItem& i) { return i.q == 0; }), out.end());
  std::stable_sort(out.begin(), out.end(), [](const WeightedItem& a, const WeightedItem& b) { return a.q > b.q; });
  return out;
}

}  // namespace lux
