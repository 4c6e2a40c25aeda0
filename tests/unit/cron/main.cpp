// Catch2 main for the lux_cron unit tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
