// The hiredis functions the Redis client calls (src/redis/client.cpp), forwarded to hiredis
// loaded on first use (lazy/forward.h): only a program whose jobs, bus or breakers are on Redis
// maps it.
#include <hiredis/hiredis.h>

#include "lazy/forward.h"

LUX_FORWARD(kHiredis, redisContext*, redisConnectWithTimeout, (const char* ip, int port, const struct timeval tv),
            (ip, port, tv))
LUX_FORWARD(kHiredis, redisContext*, redisConnectUnixWithTimeout, (const char* path, const struct timeval tv), (path, tv))
LUX_FORWARD(kHiredis, void, redisFree, (redisContext * c), (c))
LUX_FORWARD(kHiredis, int, redisAppendCommandArgv, (redisContext * c, int argc, const char** argv, const size_t* argvlen),
            (c, argc, argv, argvlen))
LUX_FORWARD(kHiredis, int, redisBufferRead, (redisContext * c), (c))
LUX_FORWARD(kHiredis, int, redisBufferWrite, (redisContext * c, int* done), (c, done))
LUX_FORWARD(kHiredis, int, redisGetReplyFromReader, (redisContext * c, void** reply), (c, reply))
LUX_FORWARD(kHiredis, void, freeReplyObject, (void* reply), (reply))
