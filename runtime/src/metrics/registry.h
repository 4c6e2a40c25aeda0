// The process's metrics: families of series (counters, gauges, histograms) kept in relaxed
// atomics, and collectors that compute values at scrape time (queue depths, breaker states,
// process figures). Hot paths resolve their series once (Family::With at registration) and then
// only add to atomics; a scrape takes a Snapshot and hands it to the encoder (exposition.h).
// Entry points: Registry::Default, Registry::Add, Family::With, Series, Registry::Snapshot.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace lux::metrics {

enum class Type { kCounter, kGauge, kHistogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

// One series as the encoder sees it. Counters and gauges: `value`. Histograms: `buckets`
// (cumulative counts, one per bound, +Inf last: `count`), `sum`.
struct SeriesSnapshot {
  Labels labels;
  double value = 0;
  std::vector<std::uint64_t> buckets;
  double sum = 0;
  std::uint64_t count = 0;
  // Unix seconds at which the series started from zero (counters and histograms: OpenMetrics'
  // `_created`); 0 when not known.
  double created = 0;
};

// One family: a counter's name is without `_total` (the encoder adds it to the samples).
struct FamilySnapshot {
  std::string name;
  std::string help;
  Type type = Type::kGauge;
  std::vector<double> bounds;  // histograms: the upper bounds, ascending, without +Inf
  std::vector<SeriesSnapshot> series;
};

// Bucket bounds in base units.
extern const std::vector<double> kDurationBounds;  // seconds: 5 ms .. 10 s
extern const std::vector<double> kSizeBounds;      // bytes: 64 B .. 16 MiB

// A series: a counter (Add), a gauge (Add with negatives, Set) or a histogram (Observe).
class Series {
 public:
  Series(const std::vector<double>* bounds, double sum_scale);
  void Add(std::int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(std::int64_t n) { value_.store(n, std::memory_order_relaxed); }
  std::int64_t Value() const { return value_.load(std::memory_order_relaxed); }
  // Histograms: one observation in base units (seconds, bytes).
  void Observe(double v);
  bool Touched() const;
  SeriesSnapshot Snap() const;

 private:
  std::atomic<std::int64_t> value_{0};  // counter/gauge value; histogram: the count
  const std::vector<double>* bounds_;   // nullptr: not a histogram
  double sum_scale_;                    // the sum is kept as an integer of 1/sum_scale units
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket (not cumulative), +Inf last
  std::atomic<std::uint64_t> sum_{0};
  double created_;  // Unix seconds at construction
};

class Family {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
         std::vector<double> bounds = {}, double sum_scale = 1e9);
  // The series of these label values (in the order of the label names), created on first use.
  // The returned reference stays valid for the life of the process: keep it.
  Series& With(const std::vector<std::string>& values);
  FamilySnapshot Snap() const;
  const std::string& name() const { return name_; }

 private:
  std::string name_, help_;
  Type type_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  double sum_scale_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

class Registry {
 public:
  // The process's registry (the runtime's instrumentation points report here).
  static Registry& Default();

  // The family of that name, created on first call (the same arguments every time).
  Family& Add(const std::string& name, const std::string& help, Type type, std::vector<std::string> label_names,
              const std::vector<double>& bounds = {}, double sum_scale = 1e9);
  // A function computing families at each scrape; removed when the returned handle goes.
  using Collector = std::function<void(std::vector<FamilySnapshot>& out)>;
  std::shared_ptr<void> AddCollector(Collector c);
  // Every family with a series used at least once (gauges always), then the collectors'.
  std::vector<FamilySnapshot> Snapshot() const;

 private:
  struct CollectorEntry {
    Collector fn;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::weak_ptr<CollectorEntry>> collectors_;
};

}  // namespace lux::metrics
