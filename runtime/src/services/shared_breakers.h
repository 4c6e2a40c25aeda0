// Circuit breakers shared by the replicas of a server through Redis (LUX_BREAKER_URL): when one
// replica's breaker for a service opens, every replica's opens too, and all half-open together
// when the first one's reset timeout ends. Each replica still counts its own failures and runs
// its own half-open trials (a trial that closes one replica's breaker does not close the
// others': each finds out for itself, with at most `half_open_requests` calls). Keys under
// `<prefix>:{breakers}:`: `open:<service>` (the replica that opened it, PX = reset timeout) and
// the channel `opened` (message `<service> <replica>`). Entry points: SharedBreakers.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "services/breaker.h"

namespace lux::services {

class SharedBreakers {
 public:
  // Connects, opens the breakers whose service is open on another replica now, and starts
  // listening. `breakers`: (service name, its breaker), which must outlive Stop(). Throws
  // lux::Error when Redis cannot be reached.
  SharedBreakers(const std::string& url, const std::string& prefix,
                 std::vector<std::pair<std::string, Breaker*>> breakers);
  ~SharedBreakers();  // Stop()
  SharedBreakers(const SharedBreakers&) = delete;
  SharedBreakers& operator=(const SharedBreakers&) = delete;
  void Stop();

  struct State;

 private:
  std::shared_ptr<State> s_;
};

}  // namespace lux::services
