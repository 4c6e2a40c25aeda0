// The message of the error a call fails with, for the stdlib tests that check what a failure says.
#pragma once

#include <exception>
#include <functional>
#include <string>

inline std::string FailureOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no failure)";
}
