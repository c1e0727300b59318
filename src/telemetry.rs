//! Logging set-up and the Prometheus metrics registry.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use crate::config::LogFormat;
use crate::db::PoolStatus;

/// Installs the global log subscriber. `RUST_LOG` filters (default `info`). Request spans
/// carry `request_id`, so every line logged while serving a request names it.
///
/// Lines are written by a background thread, so a request never waits for stdout; keep the
/// returned guard alive until the process ends, it flushes what is still buffered. That
/// thread writes what has queued up in one system call and flushes whenever the queue is
/// empty: under load one write carries many lines, and an idle service holds none back.
pub fn init_logging(format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::EnvFilter;
    let stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(false).finish(stdout);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: a log file or collector gets plain text, and
    // every request's line is cheaper to write.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi).with_writer(writer);
    let _ = match format {
        LogFormat::Text if ansi => builder.try_init(),
        LogFormat::Text => builder.fmt_fields(PlainFields).event_format(PlainLine).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
    guard
}

/// The plain-text log line, as the default format writes it without colours
/// (`2026-12-05T04:09:12.123456Z  INFO request{request_id=…}: request method=GET status=200`),
/// written straight into the line: the default format goes through its styling layer for
/// every part of every line even when colours are off, which made the request log line a
/// quarter of the work of a `/healthz` answer.
struct PlainLine;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for PlainLine
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        write!(writer, "{now} {:>5} ", event.metadata().level().as_str())?;
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) =
                    extensions.get::<tracing_subscriber::fmt::FormattedFields<N>>().filter(|f| !f.is_empty())
                {
                    write!(writer, "{{{fields}}}")?;
                }
                writer.write_str(": ")?;
            }
        }
        tracing_subscriber::fmt::FormatFields::format_fields(ctx, writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// Fields as `message key=value key="text"`, like the default format's.
struct PlainFields;

impl<'w> tracing_subscriber::fmt::FormatFields<'w> for PlainFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        mut writer: tracing_subscriber::fmt::format::Writer<'w>,
        fields: R,
    ) -> std::fmt::Result {
        let mut visitor = PlainVisitor { writer: &mut writer, result: Ok(()), first: true };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct PlainVisitor<'a, 'w> {
    writer: &'a mut tracing_subscriber::fmt::format::Writer<'w>,
    result: std::fmt::Result,
    first: bool,
}

impl PlainVisitor<'_, '_> {
    fn write(&mut self, field: &tracing::field::Field, value: std::fmt::Arguments<'_>) {
        if self.result.is_err() {
            return;
        }
        let separator = if std::mem::take(&mut self.first) { "" } else { " " };
        let writer = &mut *self.writer;
        self.result = (|| {
            writer.write_str(separator)?;
            if field.name() != "message" {
                writer.write_str(field.name().strip_prefix("r#").unwrap_or(field.name()))?;
                writer.write_char('=')?;
            }
            writer.write_fmt(value)
        })();
    }
}

impl tracing::field::Visit for PlainVisitor<'_, '_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.write(field, format_args!("{value}"));
        } else {
            self.write(field, format_args!("{value:?}"));
        }
    }

    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.write(field, format_args!("{value}"));
    }

    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.write(field, format_args!("{value}"));
    }

    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        self.write(field, format_args!("{value}"));
    }

    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.write(field, format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.write(field, format_args!("{value:?}"));
    }
}

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// The series of one route pattern.
#[derive(Default)]
struct RouteSeries {
    /// Request counts by (method, status); a handful per route, so a scan beats hashing.
    requests: Vec<(String, u16, u64)>,
    latency: Histogram,
}

/// Request counters and latency histograms, labelled by route pattern (never by raw path,
/// so the label set stays bounded).
#[derive(Default)]
pub struct Metrics {
    /// By route pattern. Lookups borrow the pattern, so a known route allocates nothing.
    routes: Mutex<HashMap<String, RouteSeries>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut routes) = self.routes.lock() else { return };
        let series = match routes.get_mut(route) {
            Some(series) => series,
            None => routes.entry(route.to_owned()).or_default(),
        };
        match series.requests.iter_mut().find(|(m, s, _)| *s == status && m == method) {
            Some((_, _, n)) => *n += 1,
            None => series.requests.push((method.to_owned(), status, 1)),
        }
        let secs = elapsed.as_secs_f64();
        let h = &mut series.latency;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Prometheus text exposition format (0.0.4).
    pub fn render(&self, pool: PoolStatus) -> String {
        let mut out = String::new();
        let Ok(routes) = self.routes.lock() else { return out };
        let mut routes: Vec<_> = routes.iter().collect();
        routes.sort_by(|a, b| a.0.cmp(b.0));
        out.push_str("# HELP http_requests_total HTTP requests by method, route pattern and status.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        let mut requests: Vec<_> =
            routes.iter().flat_map(|(route, s)| s.requests.iter().map(move |(m, st, n)| (m, *route, st, n))).collect();
        requests.sort();
        for (method, route, status, n) in requests {
            let _ = writeln!(
                out,
                "http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP http_request_duration_seconds Request latency by route pattern.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for (route, series) in &routes {
            let h = &series.latency;
            let route = escape(route);
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                let _ =
                    writeln!(out, "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(out, "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        for (name, help, value) in [
            ("db_pool_max_size", "Configured maximum number of pooled connections.", pool.max_size),
            ("db_pool_size", "Connections currently open.", pool.size),
            ("db_pool_available", "Open connections idle in the pool.", pool.available),
            ("db_pool_waiting", "Requests waiting for a connection.", pool.waiting),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        if let Some(lag) = crate::db::replica_lag() {
            let (up, seconds) = match lag {
                Some(seconds) => (1, seconds),
                None => (0, 0.0),
            };
            let _ = writeln!(
                out,
                "# HELP db_replica_up Whether the read replica answered its last lag check.\n\
                 # TYPE db_replica_up gauge\ndb_replica_up {up}\n\
                 # HELP db_replica_lag_seconds The read replica's replay lag at its last check.\n\
                 # TYPE db_replica_lag_seconds gauge\ndb_replica_lag_seconds {seconds}\n\
                 # HELP db_replica_serving Whether anonymous reads go to the replica now.\n\
                 # TYPE db_replica_serving gauge\ndb_replica_serving {}",
                u8::from(crate::db::replica_usable())
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/organizations/{id}", 200, Duration::from_millis(3));
        m.observe("GET", "/api/v1/organizations/{id}", 404, Duration::from_millis(30));
        let text = m.render(PoolStatus { max_size: 4, size: 1, available: 1, waiting: 0 });
        assert!(
            text.contains(r#"http_requests_total{method="GET",route="/api/v1/organizations/{id}",status="200"} 1"#)
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_bucket{route="/api/v1/organizations/{id}",le="0.005"} 1"#)
        );
        assert!(text.contains(r#"http_request_duration_seconds_count{route="/api/v1/organizations/{id}"} 2"#));
        assert!(text.contains("db_pool_max_size 4"));
    }
}
