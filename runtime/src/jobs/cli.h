// Commands of a compiled server that operate its jobs without serving HTTP:
//   <binary> run-task NAME     run one schedule's task once (external cron), exit 0 / 1
//   <binary> jobs              counts and recent failures as JSON on stdout
//   <binary> jobs retry ID     a dead or failed job back to pending
// Entry points: IsJobsCommand, RunJobsCommand (called by App::Run before any flag parsing).
#pragma once

#include "server/app_impl.h"

namespace lux::jobs {

bool IsJobsCommand(int argc, char** argv);
// Returns the process exit code. Errors are one line on stderr: `<app>: <message>`.
int RunJobsCommand(App::Impl& app, int argc, char** argv);

}  // namespace lux::jobs
