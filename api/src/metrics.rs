//! Prometheus metrics: request latency, append batch sizes, projection lag.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// Labels of an HTTP request: the route template (never the raw path, which may name a
/// member), the method and the status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The route template, e.g. `/v1/coops/{coop}/members`.
    pub route: &'static str,
    /// The status code.
    pub status: u16,
}

/// Labels of a cooperative's gauges.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CoopLabels {
    /// The cooperative (log id).
    pub coop: String,
}

/// Every metric of the process. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Family<HttpLabels, Histogram>,
    batch_appends: Histogram,
    batch_events: Histogram,
    projection_lag: Family<CoopLabels, Gauge>,
    projection_position: Family<CoopLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to about 6.5 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<HttpLabels, Histogram>::new_with_constructor(latency_histogram);
        let batch_appends = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        let batch_events = Histogram::new(exponential_buckets(1.0, 2.0, 13));
        let projection_lag = Family::<CoopLabels, Gauge>::default();
        let projection_position = Family::<CoopLabels, Gauge>::default();
        let mut registry = Registry::with_prefix("verbund");
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, until the response head",
            Unit::Seconds,
            requests.clone(),
        );
        registry.register(
            "ledger_batch_appends",
            "Appends per group commit",
            batch_appends.clone(),
        );
        registry.register(
            "ledger_batch_events",
            "Events per group commit",
            batch_events.clone(),
        );
        registry.register(
            "projection_lag_events",
            "Events of a cooperative's log not yet applied to its projections",
            projection_lag.clone(),
        );
        registry.register(
            "projection_position",
            "The log position a cooperative's projections have reached",
            projection_position.clone(),
        );
        Self {
            registry: Arc::new(registry),
            requests,
            batch_appends,
            batch_events,
            projection_lag,
            projection_position,
        }
    }
}

impl Metrics {
    /// Records one answered request.
    pub fn observe_request(&self, labels: HttpLabels, seconds: f64) {
        self.requests.get_or_create(&labels).observe(seconds);
    }

    /// Records one group commit.
    pub fn observe_batch(&self, appends: usize, events: usize) {
        self.batch_appends.observe(appends as f64);
        self.batch_events.observe(events as f64);
    }

    /// Sets a cooperative's projection gauges.
    pub fn set_projection(&self, coop: &str, head: u64, reached: u64) {
        let labels = CoopLabels {
            coop: coop.to_owned(),
        };
        let lag = i64::try_from(head.saturating_sub(reached)).unwrap_or(i64::MAX);
        self.projection_lag.get_or_create(&labels).set(lag);
        self.projection_position
            .get_or_create(&labels)
            .set(i64::try_from(reached).unwrap_or(i64::MAX));
    }

    /// The metrics in Prometheus' text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

/// The content type of [`Metrics::encode`].
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
