// A test executable (luxc test) runs offline: every fetch fails at once as a connection failure
// (FetchError kConnect), so tests never depend on what listens on the machine. Entry point:
// SetFetchOffline (runtime/src/testing/ calls it).
#pragma once

namespace lux::client {

void SetFetchOffline(bool offline);

}  // namespace lux::client
