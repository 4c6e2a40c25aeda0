// The zlib and libbrotlienc functions the compression stage calls (src/http/compression.cpp),
// forwarded to the libraries loaded on first use (lazy/forward.h): a server without a
// `compression { }` block, or whose clients accept no coding, never maps them.
#include <brotli/encode.h>
#include <zlib.h>

#include "lazy/forward.h"

LUX_FORWARD(kZlib, int, deflateInit2_,
            (z_streamp strm, int level, int method, int window_bits, int mem_level, int strategy, const char* version,
             int stream_size),
            (strm, level, method, window_bits, mem_level, strategy, version, stream_size))
LUX_FORWARD(kZlib, int, deflate, (z_streamp strm, int flush), (strm, flush))
LUX_FORWARD(kZlib, int, deflateEnd, (z_streamp strm), (strm))
LUX_FORWARD(kZlib, uLong, deflateBound, (z_streamp strm, uLong source_len), (strm, source_len))
LUX_FORWARD(kBrotliEnc, size_t, BrotliEncoderMaxCompressedSize, (size_t input_size), (input_size))
LUX_FORWARD(kBrotliEnc, BROTLI_BOOL, BrotliEncoderCompress,
            (int quality, int lgwin, BrotliEncoderMode mode, size_t input_size,
             const uint8_t input_buffer[BROTLI_ARRAY_PARAM(input_size)], size_t* encoded_size,
             uint8_t encoded_buffer[BROTLI_ARRAY_PARAM(*encoded_size)]),
            (quality, lgwin, mode, input_size, input_buffer, encoded_size, encoded_buffer))
// Streamed bodies (compression.h, StreamEncoder): one encoder instance per response.
LUX_FORWARD(kBrotliEnc, BrotliEncoderState*, BrotliEncoderCreateInstance,
            (brotli_alloc_func alloc_func, brotli_free_func free_func, void* opaque), (alloc_func, free_func, opaque))
LUX_FORWARD(kBrotliEnc, BROTLI_BOOL, BrotliEncoderSetParameter,
            (BrotliEncoderState * state, BrotliEncoderParameter param, uint32_t value), (state, param, value))
LUX_FORWARD(kBrotliEnc, BROTLI_BOOL, BrotliEncoderCompressStream,
            (BrotliEncoderState * state, BrotliEncoderOperation op, size_t* available_in, const uint8_t** next_in,
             size_t* available_out, uint8_t** next_out, size_t* total_out),
            (state, op, available_in, next_in, available_out, next_out, total_out))
LUX_FORWARD(kBrotliEnc, void, BrotliEncoderDestroyInstance, (BrotliEncoderState * state), (state))
