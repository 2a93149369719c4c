// The Prometheus text exposition format (version 0.0.4) and the server's metrics in it, for the
// metrics endpoint's GET /metrics.
//
// Metric names are redis_exporter's (redis_up, redis_keyspace_hits_total ...), so its dashboards
// and alerts work unchanged; Strata's own are strata_-prefixed. The figures come from where INFO
// reads them (Server::ReadStats, CollectMemoryOverview, Persistence::Info, the keyspace's sizes).
#ifndef STRATA_SERVER_PROMETHEUS_TEXT_H_
#define STRATA_SERVER_PROMETHEUS_TEXT_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace strata::server {

class Server;

// The Content-Type of the text format.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Appends metric families to a string: a family's "# HELP" and "# TYPE" lines, then its samples.
// Not thread-safe; one writer per rendering.
class PrometheusWriter {
 public:
  explicit PrometheusWriter(std::string* out) : out_(out) {}

  // Starts family `name` of `type` ("gauge", "counter"). `help` is one line of text.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // A sample of the current family without labels.
  void Sample(std::string_view name, double value);
  // A label of a sample: its name and its value, which is escaped as the format asks.
  struct Label {
    std::string_view name;
    std::string_view value;
  };
  // A sample with labels.
  void Sample(std::string_view name, std::initializer_list<Label> labels, double value);
  // A sample with one label.
  void Sample(std::string_view name, std::string_view label, std::string_view label_value, double value) {
    Sample(name, {Label{label, label_value}}, value);
  }
  // A family with a single unlabelled sample.
  void Single(std::string_view name, std::string_view type, std::string_view help, double value) {
    Family(name, type, help);
    Sample(name, value);
  }

 private:
  void Value(double value);

  std::string* out_;
};

// Every metric of `server`, in the text format. Thread-safe; takes no lock a client holds for
// long (the memory figures read each stripe under its lock, as INFO memory does).
// REQUIRES: the calling thread holds no stripe lock.
std::string RenderPrometheusMetrics(Server& server);

}  // namespace strata::server

#endif  // STRATA_SERVER_PROMETHEUS_TEXT_H_
