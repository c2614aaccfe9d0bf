// Command vectorgen writes urna's test vectors into vectors/, one JSON file
// per case, deterministically from vectors.Seed. Run it from the repository
// root:
//
//	go run ./internal/vectorgen
//
// Negative cases are made by systematic mutation of each valid case: every
// statement element, every proof element, the context, and a
// non-canonical encoding of every field. Each mutated case is labelled with
// the error class the library actually reports, and the generator refuses
// to write a mutation that the library accepts.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "vectors", "directory to write the vectors into")
	flag.Parse()

	files, err := Generate()
	if err != nil {
		log.Fatalf("vectorgen: %v", err)
	}
	// Remove stale cases so a renamed or dropped case does not linger.
	for _, dir := range Dirs() {
		if err := os.RemoveAll(filepath.Join(*out, dir)); err != nil {
			log.Fatalf("vectorgen: %v", err)
		}
	}
	for _, f := range files {
		path := filepath.Join(*out, f.Path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			log.Fatalf("vectorgen: %v", err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			log.Fatalf("vectorgen: %v", err)
		}
	}
	counts := map[string]int{}
	for _, f := range files {
		counts[strings.SplitN(f.Path, "/", 2)[0]]++
	}
	fmt.Printf("vectorgen: wrote %d cases to %s (%v)\n", len(files), *out, counts)
}
