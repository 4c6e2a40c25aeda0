// What a program registered: its background jobs and schedules, as the queue and the scheduler
// see them (RegisterJob / RegisterSchedule / RegisterEvery in jobs.cpp validate and fill these).
// Entry points: JobDef, ScheduleDef, JobRegistry.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lux_common/cron.h"
#include "lux/jobs.h"

namespace lux::jobs {

struct JobDef {
  std::string name;
  JobOptions options;
  JobHandler handler;
};

using JobRegistry = std::map<std::string, JobDef>;

struct ScheduleDef {
  std::string name;
  std::string cron_text;             // "" for an interval schedule
  std::optional<cron::CronSpec> spec;  // set for cron schedules
  std::int64_t interval_ms = 0;      // set for RegisterEvery
  std::shared_ptr<const cron::TimeZone> zone;
  ScheduleOptions options;
  Hook task;
  std::string description;  // describeCron text, or "every N ms"
};

// Longest delay before a job's first attempt (ten years): larger values are bugs, and run_at
// (Unix ms in an int64) must not overflow.
inline constexpr std::int64_t kMaxJobDelayMs = 10LL * 366 * 24 * 3600 * 1000;

// Smallest interval RegisterEvery accepts: shorter ones are busy loops, not schedules.
inline constexpr std::int64_t kMinEveryIntervalMs = 10;

}  // namespace lux::jobs
