package redistest

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The helpers below read /proc directly so the harness needs no pgrep/ps
// and works in minimal CI images. Linux only, like redis-server itself here.

type procInfo struct {
	state byte // R, S, D, T (stopped), Z (zombie), ...
	ppid  int
	pgrp  int
}

// procStat reads /proc/<pid>/stat. The command name is in parentheses and
// may itself contain spaces or parentheses, so parsing starts after the
// LAST ')'.
func procStat(pid int) (procInfo, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procInfo{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procInfo{}, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, b)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 3 {
		return procInfo{}, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, b)
	}
	var pi procInfo
	pi.state = fields[0][0]
	if pi.ppid, err = strconv.Atoi(fields[1]); err != nil {
		return procInfo{}, err
	}
	if pi.pgrp, err = strconv.Atoi(fields[2]); err != nil {
		return procInfo{}, err
	}
	return pi, nil
}

func (pi procInfo) dead() bool { return pi.state == 'Z' || pi.state == 'X' }

// livePids returns the live (non-zombie) processes matching keep.
func livePids(keep func(pid int, pi procInfo) bool) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		pi, err := procStat(p)
		if err != nil || pi.dead() || !keep(p, pi) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// childPids lists the live children of pid. For a redis-server that is
// the fork child of a rewrite or save.
func childPids(pid int) []int {
	return livePids(func(_ int, pi procInfo) bool { return pi.ppid == pid })
}

// cmdline returns /proc/<pid>/cmdline with NULs as spaces; redis-server
// rewrites it to a title such as "redis-aof-rewrite 127.0.0.1:1234".
func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// alive reports whether pid exists and is not a zombie. A zombie has
// released its files and can no longer write, which is all cleanup needs.
func alive(pid int) bool {
	pi, err := procStat(pid)
	return err == nil && !pi.dead()
}

// procStatusField returns one "Name:" line's value from /proc/<pid>/status.
func procStatusField(pid int, name string) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == name {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no %s in /proc/%d/status", name, pid)
}
