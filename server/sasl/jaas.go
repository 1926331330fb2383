package sasl

import (
	"fmt"
	"slices"
	"strings"
)

// DigestLoginModule is the JAAS login module ZooKeeper's DIGEST-MD5 users
// are configured under.
const DigestLoginModule = "org.apache.zookeeper.server.auth.DigestLoginModule"

// DefaultServerSection is the JAAS section ZooKeeper's server reads
// (zookeeper.sasl.serverconfig overrides it).
const DefaultServerSection = "Server"

// LoginModule is one entry of a JAAS section: "Class Flag key=value ...;".
type LoginModule struct {
	Class   string
	Flag    string // required, requisite, sufficient or optional (lower case)
	Options []Option
}

// Option is one key=value of a login module, in file order.
type Option struct{ Key, Value string }

// JAAS is a parsed JAAS login configuration: the sections by name.
type JAAS map[string][]LoginModule

// ParseJAAS parses a JAAS login configuration file the way Java's
// ConfigFile does: sections `Name { Class Flag key="value" ...; ... };`,
// values quoted or bare words, // and /* */ comments. ${...} property
// expansion is not done.
func ParseJAAS(text []byte) (JAAS, error) {
	p := &jaasParser{s: string(text), line: 1}
	out := JAAS{}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		if tok.kind == tokEOF {
			return out, nil
		}
		if tok.kind != tokWord && tok.kind != tokQuoted {
			return nil, p.errorf("expected a section name, found %s", tok)
		}
		name := tok.text
		if _, dup := out[name]; dup {
			return nil, p.errorf("can not specify multiple entries for %s", name)
		}
		if err := p.expect("{"); err != nil {
			return nil, err
		}
		var mods []LoginModule
		for {
			tok, err := p.next()
			if err != nil {
				return nil, err
			}
			if tok.is("}") {
				break
			}
			if tok.kind != tokWord {
				return nil, p.errorf("expected a login module class in %s, found %s", name, tok)
			}
			mod := LoginModule{Class: tok.text}
			flag, err := p.next()
			if err != nil {
				return nil, err
			}
			switch f := strings.ToLower(flag.text); {
			case flag.kind == tokWord && (f == "required" || f == "requisite" || f == "sufficient" || f == "optional"):
				mod.Flag = f
			default:
				return nil, p.errorf("invalid control flag %s for %s", flag, mod.Class)
			}
			for {
				key, err := p.next()
				if err != nil {
					return nil, err
				}
				if key.is(";") {
					break
				}
				if key.kind != tokWord {
					return nil, p.errorf("expected an option key or ';' in %s, found %s", mod.Class, key)
				}
				if err := p.expect("="); err != nil {
					return nil, err
				}
				val, err := p.next()
				if err != nil {
					return nil, err
				}
				if val.kind != tokWord && val.kind != tokQuoted {
					return nil, p.errorf("expected a value for option %s, found %s", key.text, val)
				}
				// A repeated key replaces the earlier value (Java keeps options in a map).
				if i := slices.IndexFunc(mod.Options, func(o Option) bool { return o.Key == key.text }); i >= 0 {
					mod.Options = slices.Delete(mod.Options, i, i+1)
				}
				mod.Options = append(mod.Options, Option{Key: key.text, Value: val.text})
			}
			mods = append(mods, mod)
		}
		if err := p.expect(";"); err != nil {
			return nil, err
		}
		out[name] = mods
	}
}

// DigestUsers returns the DIGEST-MD5 users of a section, as ZooKeeper's
// SaslServerCallbackHandler collects them: every user_<name>="<password>"
// option of every module in it. ok is false when the file has no such
// section (ZooKeeper then runs without SASL). A section whose modules are
// not DigestLoginModule is an error: zabsim has no Kerberos.
func (j JAAS) DigestUsers(section string) (users map[string]string, ok bool, err error) {
	mods, ok := j[section]
	if !ok {
		return nil, false, nil
	}
	users = map[string]string{}
	for _, m := range mods {
		if m.Class != DigestLoginModule {
			return nil, true, fmt.Errorf("JAAS section %s: login module %s is not supported (zabsim does DIGEST-MD5 only, with %s)", section, m.Class, DigestLoginModule)
		}
		for _, o := range m.Options {
			if name, ok := strings.CutPrefix(o.Key, "user_"); ok {
				users[name] = o.Value
			}
		}
	}
	return users, true, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokQuoted
	tokPunct
)

type token struct {
	kind tokKind
	text string
}

func (t token) is(p string) bool { return t.kind == tokPunct && t.text == p }

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of file"
	case tokQuoted:
		return fmt.Sprintf("%q", t.text)
	}
	return fmt.Sprintf("'%s'", t.text)
}

type jaasParser struct {
	s    string
	i    int
	line int
}

func (p *jaasParser) errorf(format string, args ...any) error {
	return fmt.Errorf("JAAS config line %d: %s", p.line, fmt.Sprintf(format, args...))
}

func (p *jaasParser) expect(punct string) error {
	tok, err := p.next()
	if err != nil {
		return err
	}
	if !tok.is(punct) {
		return p.errorf("expected '%s', found %s", punct, tok)
	}
	return nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 ||
		c == '$' || c == '_' || c == '-' || c == '*' || c == '.'
}

func (p *jaasParser) next() (token, error) {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\n':
			p.line++
			p.i++
		case c <= ' ':
			p.i++
		case strings.HasPrefix(p.s[p.i:], "//"):
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case strings.HasPrefix(p.s[p.i:], "/*"):
			end := strings.Index(p.s[p.i+2:], "*/")
			if end < 0 {
				return token{}, p.errorf("unterminated comment")
			}
			p.line += strings.Count(p.s[p.i:p.i+2+end], "\n")
			p.i += 2 + end + 2
		case c == '"':
			return p.quoted()
		case c == '{' || c == '}' || c == ';' || c == '=':
			p.i++
			return token{kind: tokPunct, text: string(c)}, nil
		case isWordByte(c):
			start := p.i
			for p.i < len(p.s) && isWordByte(p.s[p.i]) {
				p.i++
			}
			return token{kind: tokWord, text: p.s[start:p.i]}, nil
		default:
			return token{}, p.errorf("unexpected character %q", c)
		}
	}
	return token{kind: tokEOF}, nil
}

// quoted reads a "..." string with Java's escapes (\\, \", \n, \t, \r;
// any other escaped character stands for itself).
func (p *jaasParser) quoted() (token, error) {
	startLine := p.line
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			return token{kind: tokQuoted, text: b.String()}, nil
		case '\n':
			return token{}, fmt.Errorf("JAAS config line %d: unterminated quoted string", startLine)
		case '\\':
			p.i++
			if p.i >= len(p.s) {
				return token{}, fmt.Errorf("JAAS config line %d: unterminated quoted string", startLine)
			}
			switch e := p.s[p.i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(e)
			}
			p.i++
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return token{}, fmt.Errorf("JAAS config line %d: unterminated quoted string", startLine)
}
