// A unified diff of two texts by lines (`luxc fmt --check`): `--- NAME` / `+++ NAME` and hunks
// with three lines of context; empty when the texts are equal.
#pragma once

#include <string>
#include <string_view>

namespace lux {

std::string unifiedDiff(std::string_view before, std::string_view after, const std::string& name);

}  // namespace lux
