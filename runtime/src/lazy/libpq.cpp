// The libpq functions the PostgreSQL backend calls (src/db/pg_connection.cpp), forwarded to
// libpq loaded on first use (lazy/forward.h): a program whose `db` stays on SQLite never maps
// libpq and the Kerberos, LDAP and TLS libraries it brings.
#include <libpq-fe.h>

#include "lazy/forward.h"

LUX_FORWARD(kLibpq, PGconn*, PQconnectStartParams, (const char* const* keywords, const char* const* values, int expand_dbname),
            (keywords, values, expand_dbname))
LUX_FORWARD(kLibpq, PostgresPollingStatusType, PQconnectPoll, (PGconn * conn), (conn))
LUX_FORWARD(kLibpq, ConnStatusType, PQstatus, (const PGconn* conn), (conn))
LUX_FORWARD(kLibpq, PGTransactionStatusType, PQtransactionStatus, (const PGconn* conn), (conn))
LUX_FORWARD(kLibpq, char*, PQerrorMessage, (const PGconn* conn), (conn))
LUX_FORWARD(kLibpq, int, PQsocket, (const PGconn* conn), (conn))
LUX_FORWARD(kLibpq, void, PQfinish, (PGconn * conn), (conn))
LUX_FORWARD(kLibpq, int, PQsetnonblocking, (PGconn * conn, int arg), (conn, arg))
LUX_FORWARD(kLibpq, PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * conn, PQnoticeProcessor proc, void* arg),
            (conn, proc, arg))
LUX_FORWARD(kLibpq, int, PQflush, (PGconn * conn), (conn))
LUX_FORWARD(kLibpq, int, PQconsumeInput, (PGconn * conn), (conn))
LUX_FORWARD(kLibpq, int, PQisBusy, (PGconn * conn), (conn))
LUX_FORWARD(kLibpq, PGresult*, PQgetResult, (PGconn * conn), (conn))
LUX_FORWARD(kLibpq, int, PQsendQuery, (PGconn * conn, const char* query), (conn, query))
LUX_FORWARD(kLibpq, int, PQsendPrepare,
            (PGconn * conn, const char* stmtName, const char* query, int nParams, const Oid* paramTypes),
            (conn, stmtName, query, nParams, paramTypes))
LUX_FORWARD(kLibpq, int, PQsendQueryPrepared,
            (PGconn * conn, const char* stmtName, int nParams, const char* const* paramValues, const int* paramLengths,
             const int* paramFormats, int resultFormat),
            (conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat))
LUX_FORWARD(kLibpq, void, PQclear, (PGresult * res), (res))
LUX_FORWARD(kLibpq, ExecStatusType, PQresultStatus, (const PGresult* res), (res))
LUX_FORWARD(kLibpq, char*, PQresultErrorMessage, (const PGresult* res), (res))
LUX_FORWARD(kLibpq, char*, PQresultErrorField, (const PGresult* res, int fieldcode), (res, fieldcode))
LUX_FORWARD(kLibpq, char*, PQcmdTuples, (PGresult * res), (res))
LUX_FORWARD(kLibpq, int, PQntuples, (const PGresult* res), (res))
LUX_FORWARD(kLibpq, int, PQnfields, (const PGresult* res), (res))
LUX_FORWARD(kLibpq, char*, PQfname, (const PGresult* res, int field_num), (res, field_num))
LUX_FORWARD(kLibpq, Oid, PQftype, (const PGresult* res, int field_num), (res, field_num))
LUX_FORWARD(kLibpq, char*, PQgetvalue, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num))
LUX_FORWARD(kLibpq, int, PQgetlength, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num))
LUX_FORWARD(kLibpq, int, PQgetisnull, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num))
