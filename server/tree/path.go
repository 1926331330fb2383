package tree

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidPath reports a path PathUtils.validatePath would reject.
var ErrInvalidPath = errors.New("invalid path")

// ValidatePath applies ZooKeeper's PathUtils.validatePath: the path is
// absolute, has no trailing slash (except the root), no empty component,
// no "." or ".." component, no NUL, and none of the characters ZooKeeper
// rejects (U+0001–U+001F, U+007F–U+009F, U+D800–U+F8FF, U+FFF0–U+FFFF).
//
// ZooKeeper checks UTF-16 code units, so every character outside the Basic
// Multilingual Plane (a surrogate pair in Java) is rejected too. Invalid
// UTF-8 is rejected; Java would have decoded it to U+FFFD and accepted it.
func ValidatePath(path string) error {
	if path == "" {
		return fmt.Errorf("%w: path length must be > 0", ErrInvalidPath)
	}
	if path[0] != '/' {
		return fmt.Errorf("%w %q: must start with / character", ErrInvalidPath, path)
	}
	if path == "/" {
		return nil
	}
	if path[len(path)-1] == '/' {
		return fmt.Errorf("%w %q: must not end with / character", ErrInvalidPath, path)
	}
	if !utf8.ValidString(path) {
		return fmt.Errorf("%w %q: not valid UTF-8", ErrInvalidPath, path)
	}
	// The components of path[1:] in order, as strings.Split would give them,
	// walked without building the slice (every request's path is checked).
	rest := path[1:]
	for i := 0; ; i++ {
		comp, after, more := strings.Cut(rest, "/")
		if err := validateComponent(comp); err != nil {
			return fmt.Errorf("%w %q: component %d: %v", ErrInvalidPath, path, i, err)
		}
		if !more {
			return nil
		}
		rest = after
	}
}

// ValidateCreatePath validates the path of a create request: a sequential
// create is checked with a "1" appended, as PathUtils.validatePath(path,
// isSequential) does, so "/a/" is a valid sequential prefix.
func ValidateCreatePath(path string, sequential bool) error {
	if sequential {
		return ValidatePath(path + "1")
	}
	return ValidatePath(path)
}

func validateComponent(comp string) error {
	switch comp {
	case "":
		return errors.New("empty node name")
	case ".", "..":
		return errors.New("relative paths not allowed")
	}
	for _, r := range comp {
		if err := checkRune(r); err != nil {
			return err
		}
	}
	return nil
}

func checkRune(r rune) error {
	switch {
	case r == 0:
		return errors.New("null character not allowed")
	case r <= 0x1f, r >= 0x7f && r <= 0x9f, r >= 0xd800 && r <= 0xf8ff, r >= 0xfff0:
		return fmt.Errorf("invalid character %U", r)
	}
	return nil
}

// SequentialName returns the name a sequential create of path gets: path
// followed by the parent's persisted cversion, zero-padded to ten digits
// (String.format("%010d") in PrepRequestProcessor).
func SequentialName(path string, parentCversion int32) string {
	return fmt.Sprintf("%s%010d", path, parentCversion)
}

// ParentPath returns the parent of a valid path other than the root
// ("/a/b" → "/a", "/a" → "/").
func ParentPath(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// baseName returns the last component of a valid path other than the root.
func baseName(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// childPath joins a parent path and a child name.
func childPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}
