// The runtime under bench: GET /hello returns {"message":"hello"} through lux::App with
// request ids, traceparent handling and the access log on (threads from LUX_THREADS).
#include <lux/lux.h>

namespace {
void Setup(lux::App& app) {
  app.Get("/hello", [](lux::Request&) { return lux::Respond(200, {{"message", "hello"}}); });
}
}  // namespace

int main(int argc, char** argv) { return lux::rt::RunMain(argc, argv, "bench", &Setup); }
