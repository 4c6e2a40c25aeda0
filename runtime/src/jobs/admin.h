// Operating jobs and schedules: the admin HTTP routes (registered only when an admin token is
// configured) and the JSON both they and the `jobs` command print.
// Entry points: RegisterAdminRoutes, JobsReport (tokens: core/bearer.h).
#pragma once

#include <string_view>

#include "jobs/jobs_state.h"
#include "lux/http.h"
#include "server/component.h"

namespace lux::jobs {

// Most recent failures listed by GET /_lux/jobs and `<binary> jobs`.
inline constexpr int kReportedFailures = 20;

// {counts: {pending, scheduled, running, dead, completed}, recent_failures: [{id, name, attempt, error, at}]}
Value JobsReport(JobStore& store, std::int64_t now_ms);
// GET /_lux/jobs, POST /_lux/jobs/:id/retry, GET /_lux/schedules, POST /_lux/schedules/:name/run.
void RegisterAdminRoutes(server::Host& app, JobsState& state);

}  // namespace lux::jobs
