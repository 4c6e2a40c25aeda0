// A fetch whose request body is lent rather than copied: the runtime's own large posts (the
// trace exporter's batches) move their buffer into the request and get it back, capacity kept,
// when the exchange ends (answered or thrown). Entry point: FetchLendingBody.
#pragma once

#include <string>
#include <string_view>

#include "lux/client.h"

namespace lux::client {

// lux::Fetch(url, options) with `body` as the request body instead of options.body (which must
// be empty). `body` holds the same bytes again when this returns or throws.
FetchResponse FetchLendingBody(std::string_view url, const FetchOptions& options, std::string& body);

}  // namespace lux::client
