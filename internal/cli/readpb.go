package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/output/pb"
)

// isRecordStream reports whether the file at path opens with a
// length-prefixed protobuf LogEntry (tapir's --format pb, or eCapture's
// records framed the same way) rather than events.
func isRecordStream(path string) bool {
	if path == "-" {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false // runRead reports it
	}
	defer f.Close()
	head := make([]byte, 64<<10+16)
	n, _ := io.ReadFull(f, head)
	return pb.Sniff(head[:n])
}

// runReadPB prints the messages of protobuf record streams.
func runReadPB(e env, f *readFlags, paths []string) error {
	w, closer, err := f.outputFlags.open(e)
	if err != nil {
		return err
	}
	defer closer.Close()
	keep := f.processFlags.filter()

	var records, events, beats, logs, skipped int64
	var failed bool
	var entry pb.LogEntry
	var runErr error
files:
	for _, path := range paths {
		file, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(e.stderr, "tapir: %v\n", err)
			failed = true
			continue
		}
		r := pb.NewReader(file)
		for {
			err := r.NextInto(&entry)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fmt.Fprintf(e.stderr, "tapir: %s: %v\n", path, err)
				failed = true
				break // the framing is lost: nothing after can be trusted
			}
			records++
			switch {
			case entry.GetHeartbeatPayload() != nil:
				beats++
				continue
			case entry.GetLogType() == pb.LogType_LOG_TYPE_PROCESS_LOG:
				logs++
				continue
			}
			ev := entry.GetEventPayload()
			if ev == nil {
				skipped++
				continue
			}
			m := pb.ToMessage(ev)
			if keep != nil && !keep(&event.Event{PID: m.Conn.PID, Comm: m.Conn.Comm}) {
				continue
			}
			events++
			if err := w.Write(m); err != nil {
				runErr = err
				file.Close()
				break files
			}
		}
		file.Close()
	}
	if err := w.Close(); runErr == nil {
		runErr = err
	}
	closer.Close()
	if f.stats || skipped > 0 {
		fmt.Fprintf(e.stderr, "tapir: %d records: %d messages shown, %d heartbeats, %d run logs, %d not understood\n", records, events, beats, logs, skipped)
	}
	f.outputFlags.printSinkStats(e.stderr, f.stats)
	if runErr != nil {
		return fmt.Errorf("output: %w", runErr)
	}
	if failed {
		return errInputSeen
	}
	return nil
}
