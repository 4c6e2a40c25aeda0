// The outbox's VFS (see wal_vfs.h): the default VFS, its WAL file's commit writes held and
// written as one call.
#include "bus/wal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace lux::bus {
namespace {

constexpr int kFrameHeaderBytes = 24;              // a WAL frame's header (SQLite's file format)
// A larger transaction goes out in parts: the default VFS writes at most 128 KiB per call (its
// seekAndWrite keeps the size's low 17 bits), so a held write stays below that.
constexpr std::size_t kMaxHeldBytes = 64 * 1024;

// The writes held for a WAL file: bytes from `offset` on, contiguous.
struct Held {
  std::vector<char> bytes;
  sqlite3_int64 offset = 0;
  bool commit = false;    // the last frame header held ends a commit
  sqlite3_int64 end = 0;  // past every byte written or held since the WAL (re)started
};

// A file of this VFS: the default VFS's file follows it in the same allocation.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  Held* held;  // the WAL file's; nullptr for every other file
};
static_assert(sizeof(File) % 8 == 0);  // the default VFS's file after it stays aligned

sqlite3_vfs* g_base = nullptr;
sqlite3_vfs g_vfs;

File* Me(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Me(f)->real; }

// Writes what is held (one call); its result is the caller's.
int Flush(File* f) {
  if (!f->held || f->held->bytes.empty()) return SQLITE_OK;
  Held& h = *f->held;
  int rc = f->real->pMethods->xWrite(f->real, h.bytes.data(), static_cast<int>(h.bytes.size()), h.offset);
  h.bytes.clear();
  h.commit = false;
  return rc;
}

std::uint32_t BigEndian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

int Close(sqlite3_file* f) {
  File* me = Me(f);
  int flushed = Flush(me);
  int rc = me->real->pMethods ? me->real->pMethods->xClose(me->real) : SQLITE_OK;
  delete me->held;
  me->held = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  if (int rc = Flush(Me(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xRead(Real(f), p, n, off);
}

// Only frames appended past everything written so far are held: SQLite writes those as a
// header then its page, and a commit ends with its commit frame's page. Writes inside the file
// (a page written again in the same transaction, the checksums rewritten after it, a header
// not followed by its page) go out as they come, after what is held.
int Write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  File* me = Me(f);
  if (!me->held) return me->real->pMethods->xWrite(me->real, p, n, off);
  Held& h = *me->held;
  const char* bytes = static_cast<const char*>(p);
  bool header = n == kFrameHeaderBytes;
  if (!h.bytes.empty() && off == h.offset + static_cast<sqlite3_int64>(h.bytes.size()) &&
      h.bytes.size() + static_cast<std::size_t>(n) <= kMaxHeldBytes) {
    h.bytes.insert(h.bytes.end(), bytes, bytes + n);
    h.end = std::max(h.end, off + n);
    if (header) {
      h.commit = BigEndian32(static_cast<const unsigned char*>(p) + 4) != 0;  // the database size: a commit frame
      return SQLITE_OK;
    }
    if (h.commit) return Flush(me);  // the commit frame's page: all of it goes out
    return SQLITE_OK;
  }
  if (int rc = Flush(me); rc != SQLITE_OK) return rc;  // elsewhere, or past kMaxHeldBytes: what is held goes first
  if (off == 0) h.end = 0;  // the WAL's header: the WAL starts over, its frames follow from its start
  if (header && off >= h.end) {
    h.offset = off;
    h.bytes.assign(bytes, bytes + n);
    h.commit = BigEndian32(static_cast<const unsigned char*>(p) + 4) != 0;
    h.end = off + n;
    return SQLITE_OK;
  }
  int rc = me->real->pMethods->xWrite(me->real, p, n, off);
  if (rc == SQLITE_OK) h.end = std::max(h.end, off + n);
  return rc;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = Flush(Me(f)); rc != SQLITE_OK) return rc;
  if (Me(f)->held) Me(f)->held->end = std::min(Me(f)->held->end, size);
  return Real(f)->pMethods->xTruncate(Real(f), size);
}

int Sync(sqlite3_file* f, int flags) {
  if (int rc = Flush(Me(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xSync(Real(f), flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = Flush(Me(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFileSize(Real(f), size);
}

int Lock(sqlite3_file* f, int level) {
  if (int rc = Flush(Me(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xLock(Real(f), level);
}

int Unlock(sqlite3_file* f, int level) {
  if (int rc = Flush(Me(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xUnlock(Real(f), level);
}

int CheckReservedLock(sqlite3_file* f, int* out) { return Real(f)->pMethods->xCheckReservedLock(Real(f), out); }

int FileControl(sqlite3_file* f, int op, void* arg) {
  if (int rc = Flush(Me(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}

int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) { return Real(f)->pMethods->xDeviceCharacteristics(Real(f)); }

int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  sqlite3_file* r = Real(f);
  if (r->pMethods->iVersion < 2) return SQLITE_IOERR;
  return r->pMethods->xShmMap(r, region, size, extend, out);
}

int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  sqlite3_file* r = Real(f);
  if (r->pMethods->iVersion < 2) return SQLITE_IOERR;
  return r->pMethods->xShmLock(r, offset, n, flags);
}

void ShmBarrier(sqlite3_file* f) {
  sqlite3_file* r = Real(f);
  if (r->pMethods->iVersion >= 2) r->pMethods->xShmBarrier(r);
}

int ShmUnmap(sqlite3_file* f, int remove) {
  sqlite3_file* r = Real(f);
  if (r->pMethods->iVersion < 2) return SQLITE_OK;
  return r->pMethods->xShmUnmap(r, remove);
}

int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  sqlite3_file* r = Real(f);
  *out = nullptr;
  if (r->pMethods->iVersion < 3) return SQLITE_OK;  // no memory map: SQLite reads instead
  if (int rc = Flush(Me(f)); rc != SQLITE_OK) return rc;
  return r->pMethods->xFetch(r, off, n, out);
}

int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  sqlite3_file* r = Real(f);
  if (r->pMethods->iVersion < 3) return SQLITE_OK;
  return r->pMethods->xUnfetch(r, off, p);
}

const sqlite3_io_methods kMethods = {
    3,          Close,     Read,     Write,    Truncate,  Sync,       FileSize, Lock,  Unlock, CheckReservedLock,
    FileControl, SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap, Fetch, Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  File* me = Me(f);
  me->real = reinterpret_cast<sqlite3_file*>(me + 1);
  me->held = nullptr;
  me->base.pMethods = nullptr;
  std::memset(me->real, 0, static_cast<std::size_t>(g_base->szOsFile));
  int rc = g_base->xOpen(g_base, name, me->real, flags, out_flags);
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL)) me->held = new Held();
  // SQLite calls xClose when pMethods is set, whether the open succeeded or not.
  me->base.pMethods = me->real->pMethods ? &kMethods : nullptr;
  return rc;
}

}  // namespace

const char* WalCommitVfs() {
  static const char* name = []() -> const char* {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    if (!base || base->iVersion < 1) return nullptr;
    g_base = base;
    g_vfs = *base;  // every other method is the default VFS's own (they take their data from pAppData)
    g_vfs.szOsFile = static_cast<int>(sizeof(File)) + base->szOsFile;
    g_vfs.zName = "lux-wal-commit";
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = Open;
    if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK) return nullptr;
    return g_vfs.zName;
  }();
  return name;
}

}  // namespace lux::bus
