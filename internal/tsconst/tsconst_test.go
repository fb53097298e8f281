package tsconst

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTupleReadsEveryEntryAndRefusesWhatItCannotRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "types.ts")
	source := "export const FIELDS = [\n  'node', // 'comment_word'\n  \"Status\",\n  /* 'old' */ 'rewrite_2x',\n] as const;\nexport const BAD = ['a', other] as const;\n"
	if err := os.WriteFile(path, []byte(source), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Tuple(path, "FIELDS"); err != nil || !slices.Equal(got, []string{"node", "Status", "rewrite_2x"}) {
		t.Errorf("Tuple = %v, %v", got, err)
	}
	if _, err := Tuple(path, "BAD"); err == nil || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("an entry that is not a string: %v", err)
	}
	if _, err := Tuple(path, "MISSING"); err == nil {
		t.Error("a missing tuple must be an error")
	}
}
