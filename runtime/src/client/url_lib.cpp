// Boost.URL's compiled part (Fetch parses URLs with boost::urls::parse_uri, client.cpp), built
// into the runtime through the library's documented header-only mode instead of linking
// libboost_url.so: one shared library fewer for every generated server to map and relocate.
#include <boost/url/src.hpp>
