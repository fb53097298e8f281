//go:build !realredis

package main

import (
	"os/exec"
	"strings"
	"testing"
)

// Without the realredis tag, `go test ./...` runs only the tests that need nothing but Go; this
// names what it left out (go test -v shows it).
func TestRealServerTestsAreLeftOut(t *testing.T) {
	all := testFiles(t, "-tags=realredis")
	plain := map[string]bool{}
	for _, file := range testFiles(t) {
		plain[file] = true
	}
	var left []string
	for _, file := range all {
		if !plain[file] {
			left = append(left, strings.TrimPrefix(file, module+"/"))
		}
	}
	if len(left) == 0 {
		t.Fatal("no test file carries the realredis tag: the real-server tests would never run")
	}
	t.Logf("left out %d test files that start redis-server (or Dante); make test runs them with -tags realredis: %s", len(left), strings.Join(left, ", "))
}

// testFiles lists the module's test files as package/file.
func testFiles(t *testing.T, flags ...string) []string {
	t.Helper()
	args := append([]string{"list"}, flags...)
	args = append(args, "-f", `{{$p := .ImportPath}}{{range .TestGoFiles}}{{$p}}/{{.}} {{end}}{{range .XTestGoFiles}}{{$p}}/{{.}} {{end}}`, "./...")
	cmd := exec.Command("go", args...)
	cmd.Dir = ".." // the module root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return strings.Fields(string(out))
}
