//go:build !windows

package main

import "os"

// openTerminal opens the controlling terminal, for prompts that must not
// go through standard input and output.
func openTerminal() (in, out *os.File, err error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	return f, f, err
}
