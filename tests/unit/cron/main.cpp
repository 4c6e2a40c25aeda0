// Catch2 main for the cron unit tests (lux_common).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
