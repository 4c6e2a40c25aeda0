// The outbox's SQLite VFS: the system's default VFS with the writes of one WAL commit gathered
// into one write call. SQLite writes each frame of a commit as two calls (its 24-byte header,
// then the page), so a publish (one commit, ~2.4 frames) made ~5 pwrite calls; here it makes
// one. What differs from the default VFS, on the WAL file only: a frame appended past everything
// written so far (its header, then its page) is held, and so are the frames that follow it; the
// held bytes go out as one write when the frame that ends a commit (a header with a database
// size) has its page, before any other call on the file (read, sync, truncate, size, close,
// lock, file control...), before a write elsewhere in the file, and before they would pass
// kMaxHeldBytes. That write's result is the commit frame's page's (or the other call's): a
// commit that returned is in the file exactly as with the default VFS, written before SQLite
// publishes it in the WAL index, and nothing another connection can read is held (it reads
// committed frames only). Entry point: WalCommitVfs.
#pragma once

namespace lux::bus {

// The VFS's name for sqlite3_open_v2, registered on the first call (not as the default); nullptr
// when it could not be (the outbox then opens with the default VFS).
const char* WalCommitVfs();

}  // namespace lux::bus
