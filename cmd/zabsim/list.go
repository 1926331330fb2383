package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/zabsim/zabsim/studies"
	"github.com/zabsim/zabsim/study"
)

// printStudies lists the case studies (workload: NAME) with their docs,
// checkers and the operations their histories record.
func printStudies(w io.Writer) {
	fmt.Fprintln(w, "Case studies (a scenario's workload: NAME, or a mix of them):")
	for _, st := range studies.All() {
		fmt.Fprintf(w, "  %-12s %s\n", st.Name, study.Summary(st.Doc))
		printDocBody(w, st.Doc, 15)
		names := make([]string, len(st.Checkers))
		for i, c := range st.Checkers {
			names[i] = c.Name
		}
		fmt.Fprintf(w, "%15schecked by: %s; records f: %s\n", "", strings.Join(names, ", "), strings.Join(st.Schema.Ops, ", "))
	}
}

// printCheckers lists every study's checkers with their docs.
func printCheckers(w io.Writer) {
	for _, c := range studies.Checkers() {
		fmt.Fprintf(w, "  %-12s %s\n", c.Name, study.Summary(c.Doc))
		printDocBody(w, c.Doc, 15)
	}
}

// printDocBody prints the lines of doc after its summary, indented.
func printDocBody(w io.Writer, doc string, indent int) {
	_, body, _ := strings.Cut(strings.TrimSpace(doc), "\n")
	for _, line := range strings.Split(body, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fmt.Fprintf(w, "%*s%s\n", indent, "", line)
		}
	}
}
