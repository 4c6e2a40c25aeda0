// Families, series and the process registry (registry.h).
#include "metrics/registry.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace lux::metrics {

// OpenTelemetry's advice for http.server.request.duration, reaching 5 ms for fast handlers
// and 10 s for slow ones.
const std::vector<double> kDurationBounds = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                             0.5,   0.75, 1,     2.5,  5,     7.5, 10};
// Powers of four from 64 B to 16 MiB (a JSON API's bodies sit in the low buckets; uploads high).
const std::vector<double> kSizeBounds = {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216};

Series::Series(const std::vector<double>* bounds, double sum_scale)
    : bounds_(bounds),
      sum_scale_(sum_scale),
      created_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()) {
  if (bounds_) {
    buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_->size() + 1);
    for (std::size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
  }
}

void Series::Observe(double v) {
  if (!bounds_) return;
  if (!(v >= 0)) v = 0;  // NaN and negatives (a clock step) count as 0
  std::size_t i = 0;
  const std::size_t n = bounds_->size();
  while (i < n && v > (*bounds_)[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(static_cast<std::uint64_t>(std::llround(v * sum_scale_)), std::memory_order_relaxed);
}

bool Series::Touched() const {
  if (!bounds_) return value_.load(std::memory_order_relaxed) != 0;
  for (std::size_t i = 0; i <= bounds_->size(); ++i)
    if (buckets_[i].load(std::memory_order_relaxed) != 0) return true;
  return false;
}

SeriesSnapshot Series::Snap() const {
  SeriesSnapshot s;
  s.created = created_;
  if (!bounds_) {
    s.value = static_cast<double>(value_.load(std::memory_order_relaxed));
    return s;
  }
  // The sum first, then the buckets: a concurrent observation may be in the count and not
  // yet in the sum, never the other way (both move forward only).
  s.sum = static_cast<double>(sum_.load(std::memory_order_relaxed)) / sum_scale_;
  std::uint64_t running = 0;
  s.buckets.reserve(bounds_->size() + 1);
  for (std::size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.buckets.push_back(running);
  }
  s.count = running;
  return s;
}

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
               std::vector<double> bounds, double sum_scale)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)),
      sum_scale_(sum_scale) {}

Series& Family::With(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size())
    throw std::invalid_argument("metric " + name_ + ": " + std::to_string(values.size()) + " label values for " +
                                std::to_string(label_names_.size()) + " labels");
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = series_[values];
  if (!slot) slot = std::make_unique<Series>(type_ == Type::kHistogram ? &bounds_ : nullptr, sum_scale_);
  return *slot;
}

FamilySnapshot Family::Snap() const {
  FamilySnapshot f{name_, help_, type_, bounds_, {}};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, series] : series_) {
    if (type_ != Type::kGauge && !series->Touched()) continue;  // resolved ahead, never used yet
    SeriesSnapshot s = series->Snap();
    for (std::size_t i = 0; i < values.size(); ++i) s.labels.emplace_back(label_names_[i], values[i]);
    f.series.push_back(std::move(s));
  }
  return f;
}

Registry& Registry::Default() {
  static Registry* r = new Registry();  // never destroyed: worker threads may outlive statics
  return *r;
}

Family& Registry::Add(const std::string& name, const std::string& help, Type type, std::vector<std::string> label_names,
                      const std::vector<double>& bounds, double sum_scale) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : families_)
    if (f->name() == name) return *f;
  families_.push_back(std::make_unique<Family>(name, help, type, std::move(label_names), bounds, sum_scale));
  return *families_.back();
}

std::shared_ptr<void> Registry::AddCollector(Collector c) {
  auto entry = std::make_shared<CollectorEntry>(CollectorEntry{std::move(c)});
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.erase(std::remove_if(collectors_.begin(), collectors_.end(), [](const auto& w) { return w.expired(); }),
                    collectors_.end());
  collectors_.push_back(entry);
  return entry;
}

std::vector<FamilySnapshot> Registry::Snapshot() const {
  std::vector<FamilySnapshot> out;
  std::vector<std::shared_ptr<CollectorEntry>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& f : families_) {
      FamilySnapshot s = f->Snap();
      if (!s.series.empty()) out.push_back(std::move(s));
    }
    for (const auto& w : collectors_)
      if (auto c = w.lock()) live.push_back(std::move(c));
  }
  // Outside the lock: a collector may query a store (job counts, outbox depth).
  for (const auto& c : live) c->fn(out);
  // One family per name: collectors of several components (two Apps in one process) merge.
  std::vector<FamilySnapshot> merged;
  for (auto& f : out) {
    auto it = std::find_if(merged.begin(), merged.end(), [&](const FamilySnapshot& m) { return m.name == f.name; });
    if (it == merged.end()) {
      merged.push_back(std::move(f));
    } else {
      for (auto& s : f.series) it->series.push_back(std::move(s));
    }
  }
  return merged;
}

}  // namespace lux::metrics
