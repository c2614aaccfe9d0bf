package spectest

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// protocolPackages are the packages, relative to the module root, whose
// exported constants with literal values must appear in the spec.
var protocolPackages = map[string]bool{
	"elgamal":           true,
	"zkp":               true,
	"elgamal/threshold": true,
	"mixnet":            true,
	"election":          true,
	"bulletin":          true,
}

// notProtocol lists prefixes of string literals that start with "urna/"
// or "urna-" but are not protocol data, so the spec need not give them
// byte for byte (spec/labels.md lists them as such). Each has its reason.
var notProtocol = map[string]string{
	"urna-bench-":     "temporary directory made by urna board bench",
	"urna-decrypt-":   "temporary directory of urna trustee decrypt for a board URL",
	"urna-demo":       "directories made by urna demo",
	"urna-verify-":    "temporary directory of urna verify for a board URL",
	"urna-vectorgen-": "temporary directory of the vector generator",
	"urna/scenario":   "seed prefixes of the deterministic test scenarios",
	"urna/v1/test":    "DST of a hash-to-group test vector input",

	"urna/v1/verifier/tamper/": "seeds of the verifier's tampering self-test",
}

// skipped reports whether s is not protocol data.
func skipped(s string) bool {
	for p := range notProtocol {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// moduleRoot returns the directory holding go.mod, two levels up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "module root not found")
	return root
}

// specText returns the concatenated text of every spec/*.md file, and
// the files by name.
func specText(t *testing.T, root string) (string, map[string]string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "spec", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	files := map[string]string{}
	var sb strings.Builder
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		files[filepath.Base(p)] = string(b)
		sb.Write(b)
		sb.WriteByte('\n')
	}
	return sb.String(), files
}

// found is a string or constant found in the code, with where.
type found struct {
	text string // as it must appear in the spec
	pos  string // file:line
}

// specForm renders a string as the spec writes it: strconv.Quote without
// the quotes, so that control bytes appear as Go escapes (\x00, \n).
func specForm(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// sourceFiles parses every non-test .go file of the module, skipping
// this package, vendor and testdata directories.
func sourceFiles(t *testing.T, root string) (*token.FileSet, map[string][]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	byDir := map[string][]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") ||
				rel == "internal/spectest") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		byDir[dir] = append(byDir[dir], f)
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, byDir)
	return fset, byDir
}

// labels returns every string literal of the module that starts with
// "urna/" or "urna-".
func labels(fset *token.FileSet, byDir map[string][]*ast.File) []found {
	var out []found
	for _, files := range byDir {
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				if strings.HasPrefix(s, "urna/") || strings.HasPrefix(s, "urna-") {
					out = append(out, found{specForm(s), fset.Position(lit.Pos()).String()})
				}
				return true
			})
		}
	}
	return out
}

// exportedConst is an exported constant whose value the test could work
// out.
type exportedConst struct {
	name     string   // package-qualified, for messages
	ident    string   // the bare name
	values   []string // spellings of the value, any of which may appear
	isString bool
	pos      string
}

// stdConstants are the standard-library constants that protocol
// constants are computed from.
var stdConstants = map[string]constant.Value{
	"ed25519.PublicKeySize":  constant.MakeInt64(32),
	"ed25519.PrivateKeySize": constant.MakeInt64(64),
	"ed25519.SignatureSize":  constant.MakeInt64(64),
	"ed25519.SeedSize":       constant.MakeInt64(32),
	"sha256.Size":            constant.MakeInt64(32),
	"sha512.Size":            constant.MakeInt64(64),
	"math.MaxUint8":          constant.MakeUint64(1<<8 - 1),
	"math.MaxUint16":         constant.MakeUint64(1<<16 - 1),
	"math.MaxUint32":         constant.MakeUint64(1<<32 - 1),
	"math.MaxInt32":          constant.MakeInt64(1<<31 - 1),
}

// constDecl is one constant declaration with the package it is in.
type constDecl struct {
	pkg   string // last element of the package path, as importers name it
	dir   string
	name  *ast.Ident
	value ast.Expr // nil for an implicit repetition or no value
}

// evaluator works out constant expressions made of literals, constants
// of the same package, constants of other module packages (by package
// name) and the standard-library constants above.
type evaluator struct {
	decls map[string]constDecl      // "pkg.Name" → declaration
	done  map[string]constant.Value // "pkg.Name" → value, nil if unknown
}

func (e *evaluator) lookup(key string) constant.Value {
	if v, ok := stdConstants[key]; ok {
		return v
	}
	if v, ok := e.done[key]; ok {
		return v
	}
	e.done[key] = nil // breaks cycles
	d, ok := e.decls[key]
	if !ok || d.value == nil {
		return nil
	}
	v := e.eval(d.pkg, d.value)
	e.done[key] = v
	return v
}

func (e *evaluator) eval(pkg string, x ast.Expr) constant.Value {
	switch x := x.(type) {
	case *ast.BasicLit:
		return constant.MakeFromLiteral(x.Value, x.Kind, 0)
	case *ast.ParenExpr:
		return e.eval(pkg, x.X)
	case *ast.Ident:
		return e.lookup(pkg + "." + x.Name)
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return e.lookup(id.Name + "." + x.Sel.Name)
		}
	case *ast.UnaryExpr:
		if v := e.eval(pkg, x.X); v != nil {
			return constant.UnaryOp(x.Op, v, 0)
		}
	case *ast.BinaryExpr:
		a, b := e.eval(pkg, x.X), e.eval(pkg, x.Y)
		if a == nil || b == nil {
			return nil
		}
		switch x.Op {
		case token.SHL, token.SHR:
			n, ok := constant.Uint64Val(b)
			if !ok {
				return nil
			}
			return constant.Shift(a, x.Op, uint(n))
		case token.QUO:
			if a.Kind() == constant.Int && b.Kind() == constant.Int {
				return constant.BinaryOp(a, token.QUO_ASSIGN, b) // integer division
			}
		}
		return constant.BinaryOp(a, x.Op, b)
	case *ast.CallExpr:
		// A conversion such as byte(1) or Phase(2).
		if len(x.Args) == 1 {
			return e.eval(pkg, x.Args[0])
		}
	}
	return nil
}

// exportedConstants returns the exported constants of the protocol
// packages whose value is a literal or a constant expression the
// evaluator can work out.
func exportedConstants(fset *token.FileSet, byDir map[string][]*ast.File) []exportedConst {
	e := &evaluator{decls: map[string]constDecl{}, done: map[string]constant.Value{}}
	var order []constDecl
	for dir, files := range byDir {
		for _, f := range files {
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						d := constDecl{pkg: f.Name.Name, dir: dir, name: name}
						if i < len(vs.Values) && !usesIota(vs.Values[i]) {
							d.value = vs.Values[i]
						}
						e.decls[d.pkg+"."+name.Name] = d
						if protocolPackages[dir] && name.IsExported() {
							order = append(order, d)
						}
					}
				}
			}
		}
	}
	var out []exportedConst
	for _, d := range order {
		v := e.lookup(d.pkg + "." + d.name.Name)
		if v == nil {
			continue
		}
		c := exportedConst{
			name:  d.dir + "." + d.name.Name,
			ident: d.name.Name,
			pos:   fset.Position(d.name.Pos()).String(),
		}
		switch v.Kind() {
		case constant.String:
			c.values = []string{specForm(constant.StringVal(v))}
			c.isString = true
		case constant.Int:
			c.values = intSpellings(v)
		default:
			c.values = []string{v.ExactString()}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// usesIota reports whether x mentions iota, whose value depends on the
// position in the declaration.
func usesIota(x ast.Expr) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == "iota" {
			found = true
		}
		return !found
	})
	return found
}

// intSpellings returns the ways the spec may write an integer: decimal,
// decimal with thousands separators, and hexadecimal.
func intSpellings(v constant.Value) []string {
	n, ok := constant.Uint64Val(v)
	if !ok {
		return []string{v.ExactString()}
	}
	dec := strconv.FormatUint(n, 10)
	out := []string{dec, "0x" + strconv.FormatUint(n, 16), "0x" + strings.ToUpper(strconv.FormatUint(n, 16))}
	if len(dec) > 3 {
		var sb strings.Builder
		for i, r := range dec {
			if i > 0 && (len(dec)-i)%3 == 0 {
				sb.WriteByte(',')
			}
			sb.WriteRune(r)
		}
		out = append(out, sb.String())
	}
	return out
}

// containsWord reports whether w occurs in text not as part of a longer
// identifier or number.
func containsWord(text, w string) bool {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(w) + `($|[^A-Za-z0-9_])`)
	return re.MatchString(text)
}

// TestLabelsInSpec checks that every "urna/…" and "urna-…" string
// literal of the module appears, in the spec's escaped form, in spec/.
func TestLabelsInSpec(t *testing.T) {
	root := moduleRoot(t)
	spec, _ := specText(t, root)
	fset, byDir := sourceFiles(t, root)
	ls := labels(fset, byDir)
	require.NotEmpty(t, ls, "no labels found: is the parser walking the module?")
	var missing []string
	seen := map[string]bool{}
	for _, l := range ls {
		if skipped(l.text) || seen[l.text] {
			continue
		}
		seen[l.text] = true
		if !strings.Contains(spec, "`"+l.text+"`") && !strings.Contains(spec, l.text) {
			missing = append(missing, l.text+"  ("+l.pos+")")
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "labels missing from spec/*.md:\n%s", strings.Join(missing, "\n"))
	t.Logf("checked %d distinct labels", len(seen))
}

// TestLabelsTable checks that every protocol label (a string starting
// with "urna/v1/") is listed in spec/labels.md.
func TestLabelsTable(t *testing.T) {
	root := moduleRoot(t)
	_, files := specText(t, root)
	table, ok := files["labels.md"]
	require.True(t, ok, "spec/labels.md is missing")
	fset, byDir := sourceFiles(t, root)
	var missing []string
	seen := map[string]bool{}
	for _, l := range labels(fset, byDir) {
		if skipped(l.text) || seen[l.text] || !strings.HasPrefix(l.text, "urna/v1/") {
			continue
		}
		seen[l.text] = true
		if !strings.Contains(table, "`"+l.text+"`") {
			missing = append(missing, l.text+"  ("+l.pos+")")
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "labels missing from the table in spec/labels.md:\n%s", strings.Join(missing, "\n"))
}

// TestExportedConstantsInSpec checks that every exported constant of the
// protocol packages whose value is a literal is named in spec/, or its
// value is.
func TestExportedConstantsInSpec(t *testing.T) {
	root := moduleRoot(t)
	spec, _ := specText(t, root)
	fset, byDir := sourceFiles(t, root)
	cs := exportedConstants(fset, byDir)
	require.NotEmpty(t, cs, "no exported constants found")
	var missing []string
	for _, c := range cs {
		ok := containsWord(spec, c.ident)
		for _, v := range c.values {
			if ok {
				break
			}
			if c.isString {
				// A wire string must be quoted as code or as a string.
				ok = strings.Contains(spec, "`"+v+"`") || strings.Contains(spec, `"`+v+`"`)
			} else {
				ok = containsWord(spec, v)
			}
		}
		if !ok {
			missing = append(missing, c.name+" = "+c.values[0]+"  ("+c.pos+")")
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "exported constants whose name or value is missing from spec/*.md:\n%s", strings.Join(missing, "\n"))
	t.Logf("checked %d exported constants", len(cs))
}

// linkRE matches the target of a Markdown link or image.
var linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestSpecLinks checks that every relative link in spec/*.md points to a
// file that exists, and that every fragment-free link to a spec file
// resolves.
func TestSpecLinks(t *testing.T) {
	root := moduleRoot(t)
	_, files := specText(t, root)
	var broken []string
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, m := range linkRE.FindAllStringSubmatch(files[name], -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if i := strings.IndexByte(target, '#'); i >= 0 {
				target = target[:i]
			}
			p := filepath.Join(root, "spec", filepath.FromSlash(target))
			if _, err := os.Stat(p); err != nil {
				broken = append(broken, name+": "+m[1])
			}
		}
	}
	assert.Empty(t, broken, "broken relative links in spec/:\n%s", strings.Join(broken, "\n"))
}

// TestReadmeIndexesEverySpecFile checks that spec/README.md links every
// other spec file, so the reading order is complete.
func TestReadmeIndexesEverySpecFile(t *testing.T) {
	root := moduleRoot(t)
	_, files := specText(t, root)
	readme := files["README.md"]
	require.NotEmpty(t, readme)
	for name := range files {
		if name == "README.md" {
			continue
		}
		assert.Contains(t, readme, "]("+name+")", "spec/README.md does not link %s", name)
	}
}

// labelRow matches a row of the labels table: the label in backticks and
// its length in bytes.
var labelRow = regexp.MustCompile("(?m)^\\| `([^`]+)` \\| ([0-9]+) \\|")

// TestLabelLengths checks the bytes column of spec/labels.md against the
// labels as the convention of that file reads them.
func TestLabelLengths(t *testing.T) {
	root := moduleRoot(t)
	_, files := specText(t, root)
	rows := labelRow.FindAllStringSubmatch(files["labels.md"], -1)
	require.NotEmpty(t, rows, "no label rows in spec/labels.md")
	for _, r := range rows {
		label, err := strconv.Unquote(`"` + r[1] + `"`)
		if !assert.NoError(t, err, "label %s", r[1]) {
			continue
		}
		n, _ := strconv.Atoi(r[2])
		assert.Equal(t, len(label), n, "length of %s in spec/labels.md", r[1])
	}
}

// transcriptAppenders are the zkp.Transcript methods that take a record
// name as their first argument.
var transcriptAppenders = map[string]bool{
	"AppendBytes": true, "AppendUint64": true, "AppendElement": true,
	"AppendElementBytes": true, "AppendScalar": true, "AppendCiphertext": true,
	"Challenge": true,
}

// backticked returns every span of text between backticks.
func backticked(text string) []string {
	parts := strings.Split(text, "`")
	var out []string
	for i := 1; i < len(parts); i += 2 {
		out = append(out, parts[i])
	}
	return out
}

// TestTranscriptRecordsInSpec checks that every Fiat–Shamir transcript
// record name the code appends appears in spec/ in backticks: a name
// given as one string literal exactly, and one built from pieces (a
// prefix and an index, fmt.Sprintf("t4[%d].alpha", k), rangeBitName(i) +
// ".alpha") piece by piece, each inside a backticked pattern such as
// `t4[<k>].alpha`.
func TestTranscriptRecordsInSpec(t *testing.T) {
	root := moduleRoot(t)
	_, files := specText(t, root)
	spans := backticked(files["zkp.md"] + files["mixnet.md"])
	exact := map[string]bool{}
	for _, s := range spans {
		exact[s] = true
	}
	inSomeSpan := func(piece string) bool {
		for _, s := range spans {
			if strings.Contains(s, piece) {
				return true
			}
		}
		return false
	}
	fset, byDir := sourceFiles(t, root)
	checked := 0
	for dir, files := range byDir {
		if !protocolPackages[dir] {
			continue
		}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				var name ast.Expr
				switch {
				case transcriptAppenders[sel.Sel.Name] && len(call.Args) >= 1:
					name = call.Args[0]
				case sel.Sel.Name == "record" && dir == "zkp" && len(call.Args) == 3:
					name = call.Args[1]
				default:
					return true
				}
				pos := fset.Position(call.Pos()).String()
				if lit, ok := name.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					names := []string{s}
					if sel.Sel.Name == "AppendCiphertext" {
						names = []string{s + ".alpha", s + ".beta"}
					}
					for _, s := range names {
						checked++
						assert.True(t, exact[s], "%s: transcript record %q is not named in spec/zkp.md or spec/mixnet.md (in backticks)", pos, s)
					}
					return true
				}
				ast.Inspect(name, func(m ast.Node) bool {
					lit, ok := m.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return true
					}
					s, _ := strconv.Unquote(lit.Value)
					for _, piece := range strings.Split(s, "%d") {
						if piece == "" {
							continue
						}
						checked++
						assert.True(t, inSomeSpan(piece), "%s: transcript record name piece %q is in no backticked name of spec/", pos, piece)
					}
					return true
				})
				return true
			})
		}
	}
	require.Greater(t, checked, 30, "too few transcript records found: is the test still finding the Append calls?")
}
