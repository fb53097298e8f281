// Package tsconst reads the string tuples the frontend defines once on its side
// (`export const NAME = ['a', 'b'] as const` in src/types.ts), so that backend tests can check
// the two sides name the same things.
package tsconst

import (
	"fmt"
	"os"
	"regexp"
)

var quoted = regexp.MustCompile(`'([a-z_]+)'`)

// Tuple returns the items of the tuple NAME in the TypeScript file at path, in source order.
func Tuple(path, name string) ([]string, error) {
	source, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	match := regexp.MustCompile(`export const ` + regexp.QuoteMeta(name) + ` = \[([^\]]*)\] as const`).FindSubmatch(source)
	if match == nil {
		return nil, fmt.Errorf("%s has no %s tuple", path, name)
	}
	var items []string
	for _, item := range quoted.FindAllSubmatch(match[1], -1) {
		items = append(items, string(item[1]))
	}
	return items, nil
}
