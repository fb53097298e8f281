package main

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/persistwatch/redis-persistence-datasource"

// The pure layers (parse, rules, frames, the data between them) never depend on the Redis client
// or on the package that does the I/O, and only the handlers reach the I/O: data flows one way,
// settings → node → info → card → frames → plugin.
func TestOnlyTheHandlersReachTheRedisClient(t *testing.T) {
	packages := listPackages(t, "./...")
	pure := []string{"pkg/info", "pkg/nodeinfo", "pkg/card", "pkg/frames", "pkg/models", "pkg/settings", "pkg/flight"}
	for _, path := range pure {
		p, ok := packages[module+"/"+path]
		if !ok {
			t.Errorf("%s: no such package; update this test with the layout", path)
			continue
		}
		for _, dep := range append(p.Deps, p.TestImports...) {
			if strings.HasPrefix(dep, "github.com/redis/go-redis") || dep == module+"/pkg/node" || dep == module+"/pkg/plugin" {
				t.Errorf("%s depends on %s: the pure layers must not reach the Redis client or the I/O", path, dep)
			}
		}
	}
	// Frames are built from the card and the plain data only.
	for _, imported := range packages[module+"/pkg/frames"].Imports {
		if strings.HasPrefix(imported, module+"/") && !slices.Contains([]string{"pkg/card", "pkg/nodeinfo", "pkg/info", "pkg/models"}, strings.TrimPrefix(imported, module+"/")) {
			t.Errorf("pkg/frames imports %s: frames are built from the card, the node data, INFO values and the query model only", imported)
		}
	}
	for path, p := range packages {
		if !strings.HasPrefix(path, module+"/pkg/") {
			continue
		}
		for _, imported := range p.Imports {
			if imported == module+"/pkg/node" && path != module+"/pkg/plugin" {
				t.Errorf("%s imports pkg/node: only pkg/plugin, the handlers, may", path)
			}
		}
	}
}

type goPackage struct {
	ImportPath  string
	Imports     []string
	Deps        []string
	TestImports []string
}

func listPackages(t *testing.T, pattern string) map[string]goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", pattern)
	cmd.Dir = ".." // the module root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	packages := map[string]goPackage{}
	decoder := json.NewDecoder(strings.NewReader(string(out)))
	for decoder.More() {
		var p goPackage
		if err := decoder.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		packages[p.ImportPath] = p
	}
	return packages
}
