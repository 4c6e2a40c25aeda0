// The SQLite functions the runtime calls (the db pool, the job store, the event outbox),
// forwarded to libsqlite3 loaded on first use (lazy/forward.h): a program with no `db`, no
// background jobs, schedules or events never maps it.
#include <sqlite3.h>

#include "lazy/forward.h"

LUX_FORWARD(kSqlite, int, sqlite3_open_v2, (const char* filename, sqlite3** db, int flags, const char* vfs),
            (filename, db, flags, vfs))
LUX_FORWARD(kSqlite, int, sqlite3_close, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, int, sqlite3_close_v2, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, int, sqlite3_exec,
            (sqlite3 * db, const char* sql, int (*callback)(void*, int, char**, char**), void* arg, char** errmsg),
            (db, sql, callback, arg, errmsg))
LUX_FORWARD(kSqlite, int, sqlite3_busy_timeout, (sqlite3 * db, int ms), (db, ms))
LUX_FORWARD(kSqlite, int, sqlite3_busy_handler, (sqlite3 * db, int (*handler)(void*, int), void* arg), (db, handler, arg))
LUX_FORWARD(kSqlite, int, sqlite3_extended_result_codes, (sqlite3 * db, int onoff), (db, onoff))
LUX_FORWARD(kSqlite, int, sqlite3_extended_errcode, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, const char*, sqlite3_errmsg, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, const char*, sqlite3_errstr, (int code), (code))
LUX_FORWARD(kSqlite, int, sqlite3_changes, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, sqlite3_int64, sqlite3_changes64, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, sqlite3_int64, sqlite3_total_changes64, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, sqlite3_int64, sqlite3_last_insert_rowid, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, int, sqlite3_get_autocommit, (sqlite3 * db), (db))
LUX_FORWARD(kSqlite, void, sqlite3_free, (void* p), (p))
LUX_FORWARD(kSqlite, int, sqlite3_prepare_v3,
            (sqlite3 * db, const char* sql, int bytes, unsigned int flags, sqlite3_stmt** stmt, const char** tail),
            (db, sql, bytes, flags, stmt, tail))
LUX_FORWARD(kSqlite, int, sqlite3_step, (sqlite3_stmt * stmt), (stmt))
LUX_FORWARD(kSqlite, int, sqlite3_reset, (sqlite3_stmt * stmt), (stmt))
LUX_FORWARD(kSqlite, int, sqlite3_finalize, (sqlite3_stmt * stmt), (stmt))
LUX_FORWARD(kSqlite, int, sqlite3_clear_bindings, (sqlite3_stmt * stmt), (stmt))
LUX_FORWARD(kSqlite, int, sqlite3_stmt_readonly, (sqlite3_stmt * stmt), (stmt))
LUX_FORWARD(kSqlite, int, sqlite3_bind_parameter_count, (sqlite3_stmt * stmt), (stmt))
LUX_FORWARD(kSqlite, int, sqlite3_bind_null, (sqlite3_stmt * stmt, int i), (stmt, i))
LUX_FORWARD(kSqlite, int, sqlite3_bind_int, (sqlite3_stmt * stmt, int i, int v), (stmt, i, v))
LUX_FORWARD(kSqlite, int, sqlite3_bind_int64, (sqlite3_stmt * stmt, int i, sqlite3_int64 v), (stmt, i, v))
LUX_FORWARD(kSqlite, int, sqlite3_bind_double, (sqlite3_stmt * stmt, int i, double v), (stmt, i, v))
LUX_FORWARD(kSqlite, int, sqlite3_bind_text, (sqlite3_stmt * stmt, int i, const char* text, int n, void (*destructor)(void*)),
            (stmt, i, text, n, destructor))
LUX_FORWARD(kSqlite, int, sqlite3_bind_text64,
            (sqlite3_stmt * stmt, int i, const char* text, sqlite3_uint64 n, void (*destructor)(void*), unsigned char encoding),
            (stmt, i, text, n, destructor, encoding))
LUX_FORWARD(kSqlite, int, sqlite3_column_count, (sqlite3_stmt * stmt), (stmt))
LUX_FORWARD(kSqlite, int, sqlite3_column_type, (sqlite3_stmt * stmt, int col), (stmt, col))
LUX_FORWARD(kSqlite, const char*, sqlite3_column_name, (sqlite3_stmt * stmt, int col), (stmt, col))
LUX_FORWARD(kSqlite, const char*, sqlite3_column_decltype, (sqlite3_stmt * stmt, int col), (stmt, col))
LUX_FORWARD(kSqlite, int, sqlite3_column_int, (sqlite3_stmt * stmt, int col), (stmt, col))
LUX_FORWARD(kSqlite, sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt * stmt, int col), (stmt, col))
LUX_FORWARD(kSqlite, double, sqlite3_column_double, (sqlite3_stmt * stmt, int col), (stmt, col))
LUX_FORWARD(kSqlite, const unsigned char*, sqlite3_column_text, (sqlite3_stmt * stmt, int col), (stmt, col))
LUX_FORWARD(kSqlite, int, sqlite3_column_bytes, (sqlite3_stmt * stmt, int col), (stmt, col))
// The event outbox checkpoints its WAL on a thread of its own (bus/outbox.cpp).
LUX_FORWARD(kSqlite, void*, sqlite3_wal_hook, (sqlite3 * db, int (*hook)(void*, sqlite3*, const char*, int), void* arg),
            (db, hook, arg))
LUX_FORWARD(kSqlite, int, sqlite3_wal_checkpoint_v2,
            (sqlite3 * db, const char* schema, int mode, int* log_frames, int* checkpointed), (db, schema, mode, log_frames, checkpointed))
// The event outbox's VFS (bus/wal_vfs.cpp).
LUX_FORWARD(kSqlite, sqlite3_vfs*, sqlite3_vfs_find, (const char* name), (name))
LUX_FORWARD(kSqlite, int, sqlite3_vfs_register, (sqlite3_vfs * vfs, int make_default), (vfs, make_default))
