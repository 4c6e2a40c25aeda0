// Weighted header lists (`Accept`, `Accept-Encoding`: RFC 9110 §12.4.2), parsed once for the
// compression stage (src/http/compression.cpp) and the stdlib's negotiate(...). Implemented in
// src/http/qlist.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lux {

// One element of such a list: the token or media range in lower case without its parameters,
// and its weight in thousandths (1000 when it has no `q`).
struct WeightedItem {
  std::string token;
  int q = 1000;
};
// The items in the order written. Parameters other than `q` are skipped (a media range's
// `level=1`); an item whose `q` is no qvalue ("0" to "1", at most three decimals: "0.5",
// "1.000") is left out, as are empty items. A weight of 0 is kept: it refuses the token.
std::vector<WeightedItem> ParseWeightedList(std::string_view list);
// The acceptable items, most preferred first (ties in the order written), without weight 0.
std::vector<WeightedItem> PreferredItems(std::string_view list);

}  // namespace lux
