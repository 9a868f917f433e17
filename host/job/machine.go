package job

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Machine is what this machine has for a job now: the memory a new process
// may use and the free space of the file system under the results folder.
// Zero means unknown (then nothing is refused on that account).
type Machine struct {
	// Memory is MemAvailable from /proc/meminfo, or less when this process's
	// cgroup has a memory limit with less left under it.
	Memory int64 `json:"memory_bytes"`
	// MemorySource says where Memory was read.
	MemorySource string `json:"memory_source"`
	// Disk is the space an unprivileged user may still write under the
	// results folder (statfs: available blocks).
	Disk int64 `json:"disk_bytes"`
}

// readMachine reads the machine's available memory and the free space under
// dir (or its nearest existing parent: the results folder may not exist yet).
func readMachine(dir string) Machine {
	var m Machine
	if kb, err := meminfoKB("/proc/meminfo", "MemAvailable"); err == nil {
		m.Memory, m.MemorySource = kb*1024, "MemAvailable in /proc/meminfo"
	}
	if left, src, ok := cgroupMemoryLeft(); ok && (m.Memory == 0 || left < m.Memory) {
		m.Memory, m.MemorySource = left, src
	}
	for d := dir; ; d = filepath.Dir(d) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(d, &st); err == nil {
			m.Disk = int64(st.Bavail) * int64(st.Bsize)
			break
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	return m
}

// meminfoKB returns a "Key: N kB" line's N from a meminfo file.
func meminfoKB(path, key string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && k == key {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %s", path, key)
}

// cgroupMemoryLeft returns the memory left under this process's cgroup
// limit (v2 memory.max, or v1 memory.limit_in_bytes), if there is a limit.
func cgroupMemoryLeft() (int64, string, bool) {
	for _, f := range []struct{ limit, usage string }{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"},
	} {
		limit, err := readInt(f.limit)
		if err != nil || limit <= 0 || limit >= 1<<60 { // "max", or v1's "unlimited"
			continue
		}
		usage, err := readInt(f.usage)
		if err != nil {
			continue
		}
		return max(limit-usage, 0), "the memory limit left in " + f.limit, true
	}
	return 0, "", false
}

// readInt reads a file holding one integer.
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 0, errors.New("no limit")
	}
	return strconv.ParseInt(s, 10, 64)
}
