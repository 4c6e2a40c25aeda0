// The stdlib's one sort: stable, and safe with any comparator. A program's comparator may not be a
// strict weak ordering (`(a, b) => Math.random() - 0.5`, the JavaScript shuffle; keys holding NaN;
// a comparator reading data that changes), and std::sort / std::stable_sort then read and write
// outside the range (their insertion steps trust the comparator to stop them). Here every loop is
// bounded by indices, never by a comparison: a bad comparator gives some order of the same
// elements, as JavaScript's sort does, and nothing else.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace lux::stdlib {

// Sorts `v` by `less(a, b)` (true when a comes before b), keeping equal elements in their order.
// Insertion sort over runs of kRun elements, then merges of doubling width through one buffer.
template <typename T, typename Less>
void StableSort(std::vector<T>& v, Less less) {
  constexpr std::size_t kRun = 16;
  const std::size_t n = v.size();
  for (std::size_t lo = 0; lo < n; lo += kRun) {
    std::size_t hi = std::min(n, lo + kRun);
    for (std::size_t i = lo + 1; i < hi; ++i) {
      std::size_t j = i;
      while (j > lo && less(v[i], v[j - 1])) --j;  // bounded by lo whatever less answers
      if (j != i) std::rotate(v.begin() + static_cast<std::ptrdiff_t>(j), v.begin() + static_cast<std::ptrdiff_t>(i),
                              v.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    }
  }
  if (n <= kRun) return;
  std::vector<T> buf(n);
  std::vector<T>* from = &v;
  std::vector<T>* to = &buf;
  for (std::size_t width = kRun; width < n; width *= 2) {
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      std::size_t mid = std::min(n, lo + width), hi = std::min(n, lo + 2 * width);
      std::size_t a = lo, b = mid, out = lo;
      while (a < mid && b < hi) (*to)[out++] = std::move(less((*from)[b], (*from)[a]) ? (*from)[b++] : (*from)[a++]);
      while (a < mid) (*to)[out++] = std::move((*from)[a++]);
      while (b < hi) (*to)[out++] = std::move((*from)[b++]);
    }
    std::swap(from, to);
  }
  if (from != &v) v = std::move(*from);
}

}  // namespace lux::stdlib
