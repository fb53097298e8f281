// Package tsconst reads the string tuples the frontend defines once on its side
// (`export const NAME = ['a', 'b'] as const` in src/types.ts), so that backend tests can check
// the two sides name the same things.
package tsconst

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

var (
	quoted  = regexp.MustCompile(`^(['"])([^'"]*)['"]$`)
	comment = regexp.MustCompile(`(?s)//[^\n]*|/\*.*?\*/`)
)

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
	body := comment.ReplaceAllString(string(match[1]), "")
	for _, entry := range strings.Split(body, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue // the trailing comma
		}
		item := quoted.FindStringSubmatch(entry)
		if item == nil {
			return nil, fmt.Errorf("%s: %s has an entry that is not a quoted string: %q", path, name, entry)
		}
		items = append(items, item[2])
	}
	return items, nil
}
