// Package eventfile reads and writes event files: the JSON Lines format of
// EVENTS.md that `tapir capture --write` records and `tapir read` replays.
//
// A Reader (Open, NewReader) is a source.Source. It decodes lines with a
// decoder written for this one schema rather than encoding/json: a single
// pass over each line found with bytes.IndexByte in a large buffer, strings
// without escapes used in place, base64 decoded straight into a reused
// buffer, and comm, lib, conn and addresses kept in small caches, so that
// once warm it allocates nothing per event. It still accepts any JSON
// encoder's output: keys in any order, whitespace, escapes, unknown keys
// with any value. The Event it returns is valid until the next call.
//
// A line that cannot be decoded is a *LineError naming the file and line;
// by default it is counted and skipped, with Options.Strict it ends the
// reader. A read error, such as a truncated .gz or .zst file, ends it too.
//
// A Writer (Create, NewWriter) and AppendEvent write the same format.
package eventfile
