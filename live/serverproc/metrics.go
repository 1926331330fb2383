package serverproc

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/server"
)

// PrometheusContentType is the text exposition format, version 0.0.4.
const PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

var metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// WritePrometheus writes ms as gauges in the Prometheus text exposition
// format (each with its HELP and TYPE lines, as ZooKeeper's
// PrometheusMetricsProvider exports its gauges). A metric whose name is
// not a valid Prometheus name is an error, written before anything else.
func WritePrometheus(w io.Writer, ms []server.Metric) error {
	for _, m := range ms {
		if !metricNameRE.MatchString(m.Name) {
			return fmt.Errorf("live: metric name %q is not a Prometheus name", m.Name)
		}
	}
	bw := bufio.NewWriter(w)
	for _, m := range ms {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s gauge\n%s %s\n", m.Name, escapeHelp(m.Help), m.Name, m.Name, formatSample(m.Value))
	}
	return bw.Flush()
}

// escapeHelp escapes a HELP text as the format requires (backslash and
// line feed).
func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func formatSample(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
