//go:build race && realredis

package protocol

// raceEnabled builds the plugin binary with -race too when the test itself runs under -race, so
// a data race inside the plugin process is reported on its stderr, which the test checks.
const raceEnabled = true
