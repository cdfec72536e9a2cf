package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat. It is 100 on every
// Linux architecture Go supports (sysconf(_SC_CLK_TCK) would need cgo).
const clockTicks = 100

// ProcStat is what the harness reads of a process from /proc.
type ProcStat struct {
	// CPUSeconds is user + system time so far.
	CPUSeconds float64
	// RSSBytes is the resident set size now (VmRSS), PeakRSSBytes its high-water mark (VmHWM).
	RSSBytes, PeakRSSBytes int64
}

// ReadProc reads a process's CPU time and memory from /proc/<pid>/stat and /proc/<pid>/status.
func ReadProc(pid int) (ProcStat, error) {
	var s ProcStat
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name (field 2) is in parentheses and may hold spaces; fields after it are
	// counted from the last ')'.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return s, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(string(stat[end+1:]))
	// fields[0] is field 3 (state); utime is field 14, stime field 15.
	if len(fields) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	s.CPUSeconds = float64(utime+stime) / clockTicks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS":
			s.RSSBytes = parseKB(v)
		case "VmHWM":
			s.PeakRSSBytes = parseKB(v)
		}
	}
	return s, nil
}

// parseKB parses "  1234 kB" into bytes.
func parseKB(v string) int64 {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return n * 1024
}

// FindPID returns the pid of the one process whose command line holds every one of parts
// (such as a config path unique to this run), or 0. It only reads /proc.
func FindPID(parts ...string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	self := os.Getpid()
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == self {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || len(cmd) == 0 {
			continue
		}
		line := string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}))
		all := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				all = false
				break
			}
		}
		// env(1) execs in place, so the match is the real process; skip a shell wrapper.
		if all && !strings.HasPrefix(line, "/bin/sh ") && !strings.HasPrefix(line, "env ") {
			return pid
		}
	}
	return 0
}

// CPUOf returns a process's CPU seconds, or -1 when it cannot be read.
func CPUOf(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	s, err := ReadProc(pid)
	if err != nil {
		return -1
	}
	return s.CPUSeconds
}
