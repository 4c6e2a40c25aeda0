// What `luxc run` (run.cpp) and `luxc dev` (dev.cpp) share as supervisors of server processes:
// catching SIGINT/SIGTERM into a pipe that a poll loop can wait on, and forwarding a child's
// output line by line with the server's name in front, and the program secret the servers of
// one run share.
#pragma once

#include <iosfwd>
#include <string>

namespace lux::supervise {

// Installs SIGINT/SIGTERM handlers that record the signal and write a byte to a non-blocking
// pipe; returns the pipe's read end (poll it; read it empty after a wake-up), -1 on failure.
int CatchStopSignals();
// The last SIGINT/SIGTERM caught, 0 before any.
int StopSignal();

// Writes every complete line of `partial` to `out` after `label` and keeps the rest; with
// `flush`, the rest too (as a line of its own).
void ForwardLines(std::ostream& out, const std::string& label, std::string& partial, bool flush);

// Sets LUX_PROGRAM_SECRET in this process's environment (so every server started from here
// inherits it) to 32 fresh random bytes in hex, unless it is set already; false (with a message
// on `err`) when the system gives no randomness.
bool EnsureProgramSecret(std::ostream& err);

}  // namespace lux::supervise
