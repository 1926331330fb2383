package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/server/bugs"
	"gopkg.in/yaml.v3"
)

// Scenario files. A file is a mapping of the fields of Scenario, named by
// their json tags; docs/scenario-files.md is the reference. Every problem
// is reported as "FILE: FIELD: reason", with the field as the file writes
// it, and a field the file gives is never silently replaced: "servers: 0"
// is an error, not one server.

// ParseFile reads a scenario from JSON (.json) or YAML (.yaml/.yml) bytes,
// rejecting unknown fields, then fills the defaults of the fields it does not
// give and validates.
func ParseFile(name string, data []byte) (Scenario, error) {
	s, err := parseFile(data, strings.ToLower(filepath.Ext(name)))
	if err != nil {
		return s, fileError(name, err)
	}
	return s, nil
}

// fileError prefixes every line of err (one per problem) with the file.
func fileError(name string, err error) error {
	var lines []string
	for _, e := range unjoin(err) {
		lines = append(lines, name+": "+e.Error())
	}
	return &ScenarioFileError{File: name, Err: err, msg: strings.Join(lines, "\n")}
}

// ScenarioFileError is a problem with a scenario file: every line of its
// message is "FILE: FIELD: reason".
type ScenarioFileError struct {
	File string
	Err  error
	msg  string
}

func (e *ScenarioFileError) Error() string { return e.msg }
func (e *ScenarioFileError) Unwrap() error { return e.Err }

// unjoin splits an errors.Join result into its errors.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

func parseFile(data []byte, ext string) (Scenario, error) {
	var s Scenario
	switch ext {
	case ".yaml", ".yml":
		var generic any
		if err := yaml.Unmarshal(data, &generic); err != nil {
			return s, fmt.Errorf("not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		j, err := json.Marshal(normalizeYAML(generic))
		if err != nil {
			return s, fmt.Errorf("not a scenario: %w", err)
		}
		data = j
	case ".json":
	default:
		return s, errors.New("scenario files must end in .json, .yaml or .yml")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return s, fmt.Errorf("not valid JSON: %v (at byte %d)", err, syn.Offset)
		}
		return s, errors.New("a scenario file is a mapping of fields (name, servers, workload, duration, ...)")
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	v := reflect.ValueOf(&s).Elem()
	for _, k := range keys {
		i, ok := fieldIndex[k]
		if !ok {
			errs = append(errs, &FieldError{Field: k, Reason: "unknown field (fields: " + strings.Join(FieldNames(), ", ") + ")"})
			continue
		}
		if err := decodeField(v.Field(i), fields[k]); err != nil {
			errs = append(errs, &FieldError{Field: k, Reason: err.Error()})
		}
	}
	if len(errs) > 0 {
		return s, errors.Join(errs...)
	}
	// Defaults fill only the fields the file leaves out.
	d := s.Defaults()
	dv := reflect.ValueOf(&d).Elem()
	for _, k := range keys {
		dv.Field(fieldIndex[k]).Set(v.Field(fieldIndex[k]))
	}
	if !d.Draw {
		for _, k := range keys {
			if zeroIsDefault[k] && v.Field(fieldIndex[k]).IsZero() {
				errs = append(errs, &FieldError{Field: k, Reason: "must not be zero; leave the field out for the default"})
			}
		}
	}
	if err := d.Validate(); err != nil {
		errs = append(errs, err)
	}
	return d, errors.Join(errs...)
}

// zeroIsDefault names the fields whose zero value in Scenario means "the
// default", which a file cannot give explicitly (Validate accepts their
// zero; the other fields' zero values are out of range there).
var zeroIsDefault = map[string]bool{"clients": true, "max_compose": true, "think": true}

// fieldIndex maps a file's field names (the json tags) to Scenario's fields.
var fieldIndex = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[Scenario]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

// FieldNames lists a scenario file's fields in the order Scenario declares them.
func FieldNames() []string {
	t := reflect.TypeFor[Scenario]()
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// decodeField decodes one field's value, with errors in a file's terms.
func decodeField(f reflect.Value, raw json.RawMessage) error {
	if f.Kind() == reflect.Array {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil || len(items) != f.Len() {
			return fmt.Errorf("want [min, max]: a list of %d durations like [10ms, 100ms], got %s", f.Len(), raw)
		}
		for i, it := range items {
			if err := decodeField(f.Index(i), it); err != nil {
				return err
			}
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a mix entry's keys too
	err := dec.Decode(f.Addr().Interface())
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("want %s, got %s", kindText(f.Type()), raw)
	}
	if f.Type() == reflect.TypeFor[Duration]() {
		return err // Duration's own messages are already in a file's terms
	}
	if f.Type() == reflect.TypeFor[[]MixEntry]() {
		return fmt.Errorf("want a list of {workload: NAME, clients: N} entries: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return fmt.Errorf("want %s, got %s", kindText(f.Type()), raw)
}

// kindText describes a field's type to a person writing a file.
func kindText(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[Duration]():
		return "a duration with its unit, like 30s or 500ms"
	case t.Kind() == reflect.Int, t.Kind() == reflect.Int64:
		return "a whole number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.String:
		return "text"
	case t.Kind() == reflect.Slice:
		return "a list of names, like [a, b]"
	}
	return t.String()
}

// CheckBugs reports the names that are not bug switches, listing every
// switch (as zabsim list does).
func CheckBugs(names []string) error {
	var known []string
	for _, b := range bugs.All() {
		known = append(known, b.Name)
	}
	var unknown []string
	for _, n := range names {
		if !slices.Contains(known, n) {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	switch len(unknown) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("unknown bug switch %s (known: %s)", unknown[0], strings.Join(known, ", "))
	}
	return fmt.Errorf("unknown bug switches %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
}
