#include <string>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "server/metrics_endpoint.h"
#include "server/prometheus_text.h"
#include "server/server.h"

namespace strata::server {
namespace {

TEST(PrometheusWriter, FamiliesSamplesAndEscapedLabels) {
  std::string out;
  PrometheusWriter w(&out);
  w.Single("a_total", "counter", "A count.", 12345678901);
  w.Family("b", "gauge", "B.");
  w.Sample("b", "cmd", "x\"y\\z\nw", 0.25);
  w.Sample("b", "cmd", "config|get", -3);
  EXPECT_EQ(out,
            "# HELP a_total A count.\n# TYPE a_total counter\na_total 12345678901\n"
            "# HELP b B.\n# TYPE b gauge\nb{cmd=\"x\\\"y\\\\z\\nw\"} 0.25\nb{cmd=\"config|get\"} -3\n");
}

TEST(FormatHttpResponse, StatusLengthAndConnection) {
  HttpResponse r;
  r.status = 431;
  r.body = "{}";
  r.extra_headers = "X: y\r\n";
  EXPECT_EQ(FormatHttpResponse(r, false),
            "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "X: y\r\nConnection: close\r\n\r\n{}");
  r.status = 200;
  EXPECT_NE(FormatHttpResponse(r, true).find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(RefusalResponse(http::RequestReader::Status::kBadRequest).status, 400);
  EXPECT_EQ(RefusalResponse(http::RequestReader::Status::kTooLarge).status, 431);
  EXPECT_EQ(RefusalResponse(http::RequestReader::Status::kBodyTooLarge).status, 413);
}

class MetricsRequests : public ::testing::Test {
 protected:
  HttpResponse Get(std::string path, std::string authorization = "", std::string method = "GET") {
    http::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.authorization = std::move(authorization);
    return AnswerMetricsRequest(server_, r);
  }

  FakeClock clock_;
  Config config_;
  CommandTable commands_;
  Server server_{&config_, &commands_, LaunchInfo{}, &clock_};
};

TEST_F(MetricsRequests, Routes) {
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/healthz").body, "{\"status\":\"ok\"}\n");
  EXPECT_EQ(Get("/readyz").status, 200);
  EXPECT_EQ(Get("/nope").status, 404);
  const HttpResponse post = Get("/metrics", "", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.extra_headers, "Allow: GET\r\n");
  const HttpResponse metrics = Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, kPrometheusContentType);
  EXPECT_NE(metrics.body.find("\nredis_up 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("\nstrata_stripe_keys{stripe=\"1023\"} 0\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("\nstrata_stripe_imbalance 1\n"), std::string::npos);
}

TEST_F(MetricsRequests, TokenGuardsMetricsOnly) {
  const std::pair<std::string, std::string> set[] = {{"metrics-token", "s3cret"}};
  std::string error;
  ASSERT_TRUE(config_.SetMany(set, /*local_client=*/true, &error)) << error;
  EXPECT_EQ(Get("/metrics").status, 401);
  EXPECT_EQ(Get("/metrics").extra_headers, "WWW-Authenticate: Bearer\r\n");
  EXPECT_EQ(Get("/metrics", "Bearer s3cre").status, 401);
  EXPECT_EQ(Get("/metrics", "Bearer s3cretx").status, 401);
  EXPECT_EQ(Get("/metrics", "Basic s3cret").status, 401);
  EXPECT_EQ(Get("/metrics", "Bearer s3cret").status, 200);
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
}

TEST(MetricsConfig, PortAndBindAreImmutableTokenIsNot) {
  Config config;
  EXPECT_EQ(config.Int(ConfigId::kMetricsPort), 0);
  EXPECT_EQ(config.Text(ConfigId::kMetricsBind), "127.0.0.1");
  std::string error;
  const std::pair<std::string, std::string> port[] = {{"metrics-port", "9121"}};
  EXPECT_FALSE(config.SetMany(port, true, &error));
  EXPECT_EQ(error, "ERR CONFIG SET failed (possibly related to argument 'metrics-port') - can't set immutable config");
  const std::pair<std::string, std::string> bind[] = {{"metrics-bind", "0.0.0.0"}};
  EXPECT_FALSE(config.SetMany(bind, true, &error));
  const std::string args[] = {"9121"};
  EXPECT_TRUE(config.Set("metrics-port", args, /*at_startup=*/true, &error));
  EXPECT_EQ(config.Int(ConfigId::kMetricsPort), 9121);
}

}  // namespace
}  // namespace strata::server
