package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"
)

// InUseError is Open's error when DB.Owner is set and another DB, in this
// process or another, owns the database. It names the owner as the owner
// recorded itself in the lock file; PID is 0 when it could not be read.
type InUseError struct {
	Path    string
	PID     int
	Command string    // the owner's command line, cut to a line's length
	Since   time.Time // when it took ownership
}

// Error implements the error interface.
func (e *InUseError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("store: %s is in use by another process", e.Path)
	}
	msg := fmt.Sprintf("store: %s is in use by another process: pid %d", e.Path, e.PID)
	if e.Command != "" {
		msg += " (" + e.Command + ")"
	}
	if !e.Since.IsZero() {
		msg += ", since " + e.Since.Format(time.DateTime+" MST")
	}
	return msg
}

// owner is what an owner writes in the lock file for the others to name it.
type owner struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// maxCommand bounds the command line an owner records.
const maxCommand = 200

// lockPath returns the path of the lock file of the database at path.
func lockPath(path string) string { return path + ".lock" }

// takeOwnership locks the lock file beside the database, or returns an
// *InUseError. The lock is flock's: it belongs to the open file, so the
// kernel releases it when the file is closed or the process dies, and a
// lock file left behind by a killed owner stops nobody. The file is never
// removed: removing it while another process has it open but not yet
// locked would let two owners lock two different files.
//
// A database on a medium where no lock file can be made (a read-only
// directory or file system) is owned without one when this process
// cannot write the database either: there is nothing to protect, and the
// meeting starts and shows its storage as read-only.
func (db *DB) takeOwnership() error {
	path := lockPath(db.path)
	f, writable, err := openLockFile(path)
	if err != nil {
		if cannotWrite(err) && syscall.Access(db.path, wOK) != nil {
			return nil
		}
		return fmt.Errorf("store: take ownership of %s: %w", db.path, err)
	}
	// An owner writes its name just after it takes the lock: a name not
	// yet written (or an owner that is just letting go) is worth a few
	// more tries.
	var holder owner
	for try := 0; ; try++ {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return fmt.Errorf("store: take ownership of %s: lock %s: %w", db.path, path, err)
		}
		holder = readOwner(f)
		if holder.PID != 0 || try == 10 {
			f.Close()
			return &InUseError{Path: db.path, PID: holder.PID, Command: holder.Command, Since: holder.Since}
		}
		time.Sleep(10 * time.Millisecond)
	}
	db.lock = f
	if !writable {
		return nil // owned, but nameless: others say "another process"
	}
	me := owner{PID: os.Getpid(), Command: strings.Join(os.Args, " "), Since: time.Now().UTC().Truncate(time.Second)}
	if len(me.Command) > maxCommand {
		me.Command = me.Command[:maxCommand] + "…"
	}
	data, _ := json.Marshal(me) // a struct of strings, an int and a time: never fails
	if err := f.Truncate(0); err != nil {
		db.releaseOwnership()
		return fmt.Errorf("store: take ownership of %s: %w", db.path, err)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		db.releaseOwnership()
		return fmt.Errorf("store: take ownership of %s: %w", db.path, err)
	}
	return nil
}

// wOK is access(2)'s W_OK.
const wOK = 2

// cannotWrite reports whether err is the operating system refusing to
// create or write a file.
func cannotWrite(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// openLockFile opens the lock file, creating it 0600 if needed. A lock
// file this process may not write is opened for reading, which flock
// needs no more than: writable is then false.
func openLockFile(path string) (f *os.File, writable bool, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err := f.Chmod(0o600); err != nil { // whatever the umask
			f.Close()
			return nil, false, err
		}
		return f, true, nil
	}
	// In a directory it may not write, a process may be refused the
	// creation of a file that is there rather than told that it is.
	if !errors.Is(err, fs.ErrExist) {
		if _, serr := os.Stat(path); !cannotWrite(err) || serr != nil {
			return nil, false, err
		}
	}
	if f, err = os.OpenFile(path, os.O_RDWR, 0); err != nil && cannotWrite(err) {
		f, err = os.Open(path)
		return f, false, err
	}
	return f, err == nil, err
}

// readOwner reads what the owner wrote in the lock file; the zero owner
// if it cannot.
func readOwner(f *os.File) owner {
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 4096))
	if err != nil {
		return owner{}
	}
	var o owner
	if json.Unmarshal(data, &o) != nil {
		return owner{}
	}
	return o
}

// releaseOwnership ends the ownership Open took, if any. The lock file
// is emptied first, so that it names nobody once nobody owns the file.
func (db *DB) releaseOwnership() {
	if db.lock == nil {
		return
	}
	db.lock.Truncate(0) // fails harmlessly on a lock file opened for reading
	db.lock.Close()     // releases the lock
	db.lock = nil
}
