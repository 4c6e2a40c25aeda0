// Commands of a compiled server that operate its jobs without serving HTTP:
//   <binary> run-task NAME     run one schedule's task once (external cron), exit 0 / 1
//   <binary> jobs              counts and recent failures as JSON on stdout
//   <binary> jobs retry ID     a dead or failed job back to pending
// Entry points: IsJobsCommand, RunJobsCommand (the "jobs" component provides these commands:
// App::Run runs them instead of serving, before any flag parsing).
#pragma once

#include <string_view>

#include "jobs/jobs_state.h"
#include "server/component.h"

namespace lux::jobs {

bool IsJobsCommand(std::string_view command);
// Returns the process exit code. Errors are one line on stderr: `<app>: <message>`.
int RunJobsCommand(server::CommandHost& host, JobsState& st, int argc, char** argv);

}  // namespace lux::jobs
