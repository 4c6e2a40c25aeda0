// What `luxc run` (run.cpp) and `luxc dev` (dev.cpp) share as supervisors of server processes:
// catching SIGINT/SIGTERM (and, for `luxc run`, SIGCHLD) into a pipe that a poll loop can wait
// on, setting up a forked server before its exec, forwarding a child's output line by line with
// the server's name in front, and the program secret the servers of one run share.
#pragma once

#include <sys/types.h>

#include <iosfwd>
#include <string>

namespace lux::supervise {

// Installs SIGINT/SIGTERM handlers that record the signal and write a byte to a non-blocking
// pipe; returns the pipe's read end (poll it; read it empty after a wake-up), -1 on failure.
int CatchStopSignals();
// The last SIGINT/SIGTERM caught, 0 before any.
int StopSignal();
// How many SIGINT/SIGTERM were caught (a supervisor forwards each one once: the first stops the
// servers gracefully, the second forces them).
int StopCount();
// Also wakes the pipe of CatchStopSignals on SIGCHLD, so that a supervisor reaps a server as soon
// as it exits instead of leaving it a zombie while the others drain.
void WakeOnChildExit();
// Tells a server to stop as if it had received `sig` (SIGINT or SIGTERM), with a queued
// real-time signal (SIGRTMIN+2, the signal as its value; the server runtime receives it beside
// SIGINT/SIGTERM). Two plain SIGINTs sent before the server has taken the first are one pending
// signal to the kernel, and a second Ctrl-C forwarded at once would be lost; queued signals are
// each delivered, so the second one always forces the exit.
void ForwardStop(pid_t pid, int sig);

// In a server process just forked from luxc, before its exec: default SIGINT/SIGTERM/SIGPIPE,
// a process group of its own (a terminal's Ctrl-C reaches luxc alone, which forwards it exactly
// once: a server that got the terminal's signal and luxc's would take the second one as "force
// exit"), and SIGTERM when luxc (`parent`) dies, so that no server outlives its supervisor.
void PrepareChild(pid_t parent);

// Writes every complete line of `partial` to `out` after `label` and keeps the rest; with
// `flush`, the rest too (as a line of its own).
void ForwardLines(std::ostream& out, const std::string& label, std::string& partial, bool flush);

// Sets LUX_PROGRAM_SECRET in this process's environment (so every server started from here
// inherits it) to 32 fresh random bytes in hex, unless it is set already; false (with a message
// on `err`) when the system gives no randomness.
bool EnsureProgramSecret(std::ostream& err);

}  // namespace lux::supervise
