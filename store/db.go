package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tribune "github.com/tribune-live/tribune"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

var _ tribune.Store = (*DB)(nil)

// Defaults of a DB.
const (
	// DefaultSync is SQLite's synchronous setting. In WAL mode NORMAL
	// syncs the WAL only at checkpoints, not at every commit: a committed
	// transaction is in the WAL file (the operating system's page cache)
	// when Apply returns, so it survives the death of the process, kill -9
	// included, which is what the contract asks. It can be lost to a power
	// cut or a kernel crash; "FULL" syncs every commit and survives those
	// too, at several times the cost of a commit.
	DefaultSync = "NORMAL"
	// DefaultBusyTimeout is how long a statement waits for a lock held by
	// another process (an export, another tribune) before it fails.
	DefaultBusyTimeout = 5 * time.Second
	// DefaultMaxOpenConns bounds the pool: writes are serialised by a
	// mutex anyway, extra connections serve concurrent reads.
	DefaultMaxOpenConns = 4
)

// DB is a Tribune database file. Create it with NewDB, configure the
// exported fields, then Open. It is safe for concurrent use: writes are
// serialised within the process by a mutex, so that they queue in Go rather
// than spin on SQLite's busy handler; reads run concurrently on other
// connections of the pool and see only committed state (WAL).
type DB struct {
	// Sync is SQLite's synchronous setting: "NORMAL" (DefaultSync) or
	// "FULL" (also survives power loss), "OFF" and "EXTRA".
	Sync string
	// BusyTimeout is how long to wait for another process's lock.
	BusyTimeout time.Duration
	// MaxOpenConns bounds the connection pool.
	MaxOpenConns int
	// ReadOnly opens the file with SQLite's mode=ro: nothing is created or
	// migrated (a missing file is MustExist's error), and every write
	// (Apply, PutSetting, an OpenSession that must start a session) is
	// refused as "read-only" storage (see Apply). For export, and to check
	// how Tribune behaves when storage refuses writes. Opening a database
	// whose schema is older than this binary's fails, since it cannot be
	// migrated.
	ReadOnly bool
	// Owner makes Open take ownership of the database for the life of the
	// DB, before it opens, creates or migrates anything: one process owns
	// a database (the one that runs the meeting), and a second Owner, in
	// this process or another, fails to Open with an *InUseError naming
	// the owner. Readers (export, report, token) leave it unset and still
	// open the file while a meeting runs. Ownership is a kernel lock
	// (flock) on the file PATH.lock: it ends when the DB is closed or the
	// process dies, kill -9 included, whatever is left on disk.
	Owner bool
	// MustExist makes Open fail, creating no file, when there is no
	// database at the path: for commands that read a database and must
	// never create one. The error wraps fs.ErrNotExist.
	MustExist bool

	path string
	db   *sql.DB
	lock *os.File   // held while the DB owns its file (Owner)
	wmu  sync.Mutex // serialises write transactions of this process
	stmt [numStmts]*sql.Stmt
}

// NewDB returns a DB for the file at path with the default settings.
func NewDB(path string) *DB {
	return &DB{
		Sync:         DefaultSync,
		BusyTimeout:  DefaultBusyTimeout,
		MaxOpenConns: DefaultMaxOpenConns,
		path:         path,
	}
}

// Path returns the path of the database file.
func (db *DB) Path() string { return db.path }

// Open opens the database file, creating it unless ReadOnly or MustExist,
// sets WAL mode and runs the schema migrations this binary knows. A file
// written by a newer Tribune (a higher schema version) is refused and left
// untouched. With Owner set it first takes ownership of the file, and
// fails with an *InUseError, having changed nothing, when another DB
// holds it. With MustExist set and no file at the path it fails with an
// error that wraps fs.ErrNotExist ("no database at PATH").
//
// The files it creates (the database, its -wal and -shm, the lock file)
// are readable and writable by their owner only (0600), whatever the
// umask: they hold the API token and viewers' data. A file that exists
// keeps its mode, which SQLite gives its -wal and -shm.
//
// A file the operating system does not let this process write opens for
// reading (SQLite falls back to read-only by itself); writes then fail.
// In a directory this process cannot write, SQLite cannot create the WAL
// index (-shm) a reader needs; if no -wal file shows that a writer is at
// work, Open then reads the file as immutable, which is safe as long as
// nobody else writes it meanwhile: nobody can while the directory is
// read-only, short of another user.
func (db *DB) Open() error {
	if db.db != nil {
		return fmt.Errorf("store: %s is already open", db.path)
	}
	// Settings are checked before anything is touched.
	if _, err := db.dsn(false, false); err != nil {
		return err
	}
	// ReadOnly never creates the file either: a missing one is the same
	// error, before the lock file of an Owner is made.
	if db.MustExist || db.ReadOnly {
		if _, err := os.Stat(db.path); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: no database at %s: %w", db.path, fs.ErrNotExist)
		} else if err != nil {
			return fmt.Errorf("store: open %s: %w", db.path, err)
		}
	}
	if db.Owner {
		if err := db.takeOwnership(); err != nil {
			return err
		}
	}
	err := db.openFile()
	if err != nil {
		db.releaseOwnership()
	}
	return err
}

func (db *DB) openFile() error {
	if !db.ReadOnly && !db.MustExist {
		if err := createPrivate(db.path); err != nil {
			return fmt.Errorf("store: create %s: %w", db.path, err)
		}
	}
	err := db.open(db.ReadOnly, false)
	if err != nil && db.readOnlyMedium(err) {
		if db.open(true, true) == nil {
			return nil
		}
	}
	return err
}

// createPrivate creates an empty file at path, mode 0600, unless a file is
// there: SQLite would create it 0644, and its -wal and -shm take the
// database's mode. An empty file is a new database to SQLite.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// The umask may have taken bits off 0600; Chmod is exact.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readOnlyMedium reports whether err is SQLite refusing to open an existing
// file for want of write access to it or its directory, with no -wal file
// beside it.
func (db *DB) readOnlyMedium(err error) bool {
	var serr *sqlite.Error
	if !errors.As(err, &serr) {
		return false
	}
	if c := serr.Code() & 0xff; c != sqlite3.SQLITE_READONLY && c != sqlite3.SQLITE_CANTOPEN {
		return false
	}
	if _, err := os.Stat(db.path); err != nil {
		return false
	}
	_, err = os.Stat(db.path + "-wal")
	return errors.Is(err, fs.ErrNotExist)
}

// open opens the pool and sets the file up; on failure it leaves db closed.
func (db *DB) open(readOnly, immutable bool) error {
	dsn, err := db.dsn(readOnly, immutable)
	if err != nil {
		return err
	}
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	n := db.MaxOpenConns
	if n < 1 {
		n = DefaultMaxOpenConns
	}
	sdb.SetMaxOpenConns(n)
	// Keep every connection: a new one re-runs the pragmas.
	sdb.SetMaxIdleConns(n)
	sdb.SetConnMaxLifetime(0)
	db.db = sdb
	if err := db.setup(context.Background(), readOnly); err != nil {
		db.closePool()
		return err
	}
	return nil
}

// setup checks the schema version, sets WAL mode, migrates and prepares the
// statements of the write path.
func (db *DB) setup(ctx context.Context, readOnly bool) error {
	// The version is checked before anything is written: the journal mode
	// is set here rather than in the DSN for that reason, since switching a
	// file to WAL writes its header.
	v, err := db.version(ctx)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	latest := len(migrations) // SchemaVersion; a test checks they agree
	if v > latest {
		return fmt.Errorf("store: %s has schema version %d, this tribune knows up to %d: upgrade tribune", db.path, v, latest)
	}
	if readOnly {
		if v < latest {
			return fmt.Errorf("store: %s has schema version %d, this tribune needs %d: open it once writable to migrate it", db.path, v, latest)
		}
	} else {
		// On a file already in WAL mode this writes nothing, so a file the
		// process may only read still opens.
		var mode string
		if err := db.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
			return fmt.Errorf("store: open %s: set WAL mode: %w", db.path, err)
		}
		if !strings.EqualFold(mode, "wal") {
			return fmt.Errorf("store: open %s: journal mode is %s, want wal", db.path, mode)
		}
		if v < latest {
			if err := db.migrate(ctx); err != nil {
				return fmt.Errorf("store: open %s: %w", db.path, err)
			}
		}
	}
	for i, q := range stmtSQL {
		s, err := db.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: open %s: prepare %q: %w", db.path, q, err)
		}
		db.stmt[i] = s
	}
	return nil
}

// pageCacheKiB is the page cache of each connection, in KiB (SQLite's
// default is 2 000 KiB). The Service holds the session in memory and the
// store mostly appends, so SQLite rarely reads a page twice, and the
// operating system's cache holds the file anyway. SQLite's caches are
// outside the Go heap and its memory limit: at the default, the pool's four
// connections kept about 6 MB resident in a mixed meeting. At 512 KiB the
// meeting's peak RSS fell from 104-106 to 98-100 MB, with the vote storm and
// the mixed meeting's throughput unchanged within their noise
// (tribune-bench -only mixed,storm, five alternated runs of each build).
const pageCacheKiB = 512

// dsn returns the driver's data source name: a file: URI, so that the path
// is escaped and SQLite honours mode=ro, with the pragmas every connection
// of the pool needs (they are per connection, not per file).
func (db *DB) dsn(readOnly, immutable bool) (string, error) {
	sync := strings.ToUpper(db.Sync)
	switch sync {
	case "":
		sync = DefaultSync
	case "OFF", "NORMAL", "FULL", "EXTRA":
	default:
		return "", fmt.Errorf("store: open %s: unknown Sync %q (want NORMAL or FULL)", db.path, db.Sync)
	}
	if db.path == "" {
		return "", errors.New("store: open: empty database path")
	}
	abs, err := filepath.Abs(db.path)
	if err != nil {
		return "", fmt.Errorf("store: open %s: %w", db.path, err)
	}
	busy := db.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	q := []string{
		"_pragma=" + url.QueryEscape(fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds())),
		"_pragma=" + url.QueryEscape("synchronous("+sync+")"),
		"_pragma=" + url.QueryEscape("foreign_keys(1)"),
		"_pragma=" + url.QueryEscape(fmt.Sprintf("cache_size(%d)", -pageCacheKiB)),
		// Write transactions take the write lock at BEGIN, so that two
		// writers never deadlock upgrading a read lock; read-only
		// transactions (sql.TxOptions{ReadOnly: true}) still begin deferred.
		"_txlock=immediate",
	}
	switch {
	case readOnly:
		q = append(q, "mode=ro")
	case db.MustExist:
		// Read-write, never create, even if the file went away since
		// Open looked.
		q = append(q, "mode=rw")
	}
	if immutable {
		q = append(q, "immutable=1")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return u.String() + "?" + strings.Join(q, "&"), nil
}

// version returns the file's schema version (PRAGMA user_version).
func (db *DB) version(ctx context.Context) (int, error) {
	var v int
	if err := db.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// Close closes the database and ends its ownership. A DB that was never
// opened closes without error.
func (db *DB) Close() error {
	if db.db == nil {
		return nil
	}
	err := db.closePool()
	db.releaseOwnership()
	return err
}

// closePool closes the connections, and nothing else: a failed attempt of
// Open keeps the ownership for the next.
func (db *DB) closePool() error {
	for i, s := range db.stmt {
		if s != nil {
			s.Close()
			db.stmt[i] = nil
		}
	}
	err := db.db.Close()
	db.db = nil
	if err != nil {
		return fmt.Errorf("store: close %s: %w", db.path, err)
	}
	return nil
}

// isOpen returns an error when the DB is not open, rather than a nil pointer
// dereference in the caller.
func (db *DB) isOpen() error {
	if db == nil || db.db == nil {
		return errors.New("store: database is not open")
	}
	return nil
}
