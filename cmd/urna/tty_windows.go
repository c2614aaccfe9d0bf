//go:build windows

package main

import "os"

// openTerminal opens the console, for prompts that must not go through
// standard input and output: Windows has no /dev/tty, but CONIN$ and
// CONOUT$ are the console's input and output whatever is redirected.
func openTerminal() (in, out *os.File, err error) {
	in, err = os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}
