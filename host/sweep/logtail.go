package sweep

import (
	"bytes"
	"io"
	"os"
	"strings"
)

// tailBytes is how much of the end of a log is searched for an error line.
const tailBytes = 64 << 10

// lastMatchingLine returns the last line in the tail of the file at path
// that reads as an error: tdw-host's "tdw-host: ..." line, or one saying
// error, or Slurm's "*** ... CANCELLED ..." line. "" if none or unreadable.
func lastMatchingLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > tailBytes {
		_, _ = f.Seek(fi.Size()-tailBytes, io.SeekStart)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	lines := bytes.Split(b, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(string(lines[i]))
		low := strings.ToLower(l)
		if strings.HasPrefix(l, "tdw-host: ") || strings.Contains(low, "error") || strings.Contains(l, "CANCELLED") {
			return oneLine(l)
		}
	}
	return ""
}
