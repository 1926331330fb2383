package reports

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/checker"
)

// JUnit XML, in the shape Jenkins, GitLab and GitHub test reporters read:
// <testsuites> of one <testsuite> per scenario, one <testcase> per seed.

// JUnitTestSuites is the document root.
type JUnitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr,omitempty"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []JUnitTestSuite `xml:"testsuite"`
}

// JUnitTestSuite is one scenario.
type JUnitTestSuite struct {
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Errors   int             `xml:"errors,attr"`
	Skipped  int             `xml:"skipped,attr"`
	Time     string          `xml:"time,attr"`
	Cases    []JUnitTestCase `xml:"testcase"`
}

// JUnitTestCase is one seed of a scenario.
type JUnitTestCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Failure    *JUnitFailure   `xml:"failure,omitempty"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

// JUnitProperty is a name/value pair on a test case.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitFailure is a run whose verdict is invalid or unknown: an unknown
// verdict is not a pass (design: exit code 1), so CI must show it.
type JUnitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"` // "invalid" or "unknown"
	Body    string `xml:",chardata"`
}

// JUnit builds the report for a suite. Suites are ordered by scenario and
// cases by seed, so the same runs give the same bytes.
func JUnit(name string, runs []SuiteRun) JUnitTestSuites {
	sorted := slices.Clone(runs)
	slices.SortStableFunc(sorted, func(a, b SuiteRun) int {
		return cmp.Or(cmp.Compare(a.Summary.Scenario, b.Summary.Scenario),
			cmp.Compare(a.Summary.Seed, b.Summary.Seed), cmp.Compare(a.Dir, b.Dir))
	})
	doc := JUnitTestSuites{XMLName: xml.Name{Local: "testsuites"}, Name: name}
	var total, suiteTotal float64
	for _, r := range sorted {
		s := r.Summary
		if n := len(doc.Suites); n == 0 || doc.Suites[n-1].Name != s.Scenario {
			doc.Suites = append(doc.Suites, JUnitTestSuite{Name: s.Scenario})
			suiteTotal = 0
		}
		suite := &doc.Suites[len(doc.Suites)-1]
		tc := junitCase(s)
		suite.Tests++
		doc.Tests++
		if tc.Failure != nil {
			suite.Failures++
			doc.Failures++
		}
		suiteTotal += s.WallSeconds
		total += s.WallSeconds
		suite.Time = formatSeconds(suiteTotal)
		suite.Cases = append(suite.Cases, tc)
	}
	doc.Time = formatSeconds(total)
	return doc
}

func junitCase(s RunSummary) JUnitTestCase {
	tc := JUnitTestCase{
		Name:      "seed " + strconv.FormatUint(s.Seed, 10),
		Classname: s.Scenario,
		Time:      formatSeconds(s.WallSeconds),
		Properties: []JUnitProperty{
			{Name: "seed", Value: strconv.FormatUint(s.Seed, 10)},
			{Name: "trace_hash", Value: s.TraceHash},
			{Name: "repro", Value: s.Repro},
		},
		SystemOut: "repro: " + s.Repro + "\n",
	}
	if len(s.Bugs) > 0 {
		tc.Properties = append(tc.Properties, JUnitProperty{Name: "bugs", Value: strings.Join(s.Bugs, ",")})
	}
	if s.Valid == checker.Valid {
		return tc
	}
	msg := verdictName(s.Valid)
	if d := describe(s); d != "" {
		msg += ": " + d
	}
	tc.Failure = &JUnitFailure{Message: msg, Type: verdictName(s.Valid), Body: failureBody(s)}
	return tc
}

// failureBody lists every non-valid checker's anomalies, then the repro
// command, so the CI log alone says what broke and how to re-run it.
func failureBody(s RunSummary) string {
	var b strings.Builder
	for _, fc := range flattenCheckers(s.Checkers) {
		if fc.Result.Valid == checker.Valid {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", fc.Name, verdictName(fc.Result.Valid))
		for _, a := range fc.Result.Anomalies {
			fmt.Fprintf(&b, "  %s: %s", a.Kind, a.Explanation)
			if len(a.Ops) > 0 {
				fmt.Fprintf(&b, " (ops %s)", formatInts(a.Ops))
			}
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "trace hash: %s\nrepro: %s\n", s.TraceHash, s.Repro)
	return b.String()
}

// formatSeconds writes fixed-point seconds: some JUnit readers reject
// exponents ("1e+06").
func formatSeconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }

// MarshalJUnit encodes the report as an indented XML document.
func MarshalJUnit(doc JUnitTestSuites) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("reports: encode junit: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// WriteJUnit writes the suite's JUnit XML to path, atomically.
func WriteJUnit(path, name string, runs []SuiteRun) error {
	b, err := MarshalJUnit(JUnit(name, runs))
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, b)
}
