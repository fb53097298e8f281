//go:build !race && realredis

package protocol

const raceEnabled = false
