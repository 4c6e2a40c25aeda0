// The runtime's version as the spans' scope and telemetry.sdk.version carry it.
#pragma once

namespace lux::tracing {
inline constexpr const char* kRuntimeVersion = "0.1.0";  // the luxc project version (CMakeLists.txt)
}  // namespace lux::tracing
