#include "portico/core/access_log.h"

#include <gtest/gtest.h>

namespace portico::core {
namespace {

TEST(AccessLog, FormatsEnvoyDefaultLine) {
  AccessLogEntry e;
  e.startTime = std::chrono::system_clock::time_point(std::chrono::milliseconds(1460751420310));
  e.method = "GET";
  e.path = "/api/v1?x=1";
  e.protocol = "HTTP/1.1";
  e.responseCode = 200;
  e.bytesReceived = 12;
  e.bytesSent = 345;
  e.durationMs = 7;
  e.upstreamServiceTime = "5";
  e.forwardedFor = "10.0.0.1,127.0.0.1";
  e.userAgent = "curl/8";
  e.requestId = "rid";
  e.authority = "example.com";
  e.upstreamHost = "127.0.0.1:9000";
  EXPECT_EQ(AccessLog::format(e),
            "[2016-04-15T20:17:00.310Z] \"GET /api/v1?x=1 HTTP/1.1\" 200 - 12 345 7 5 "
            "\"10.0.0.1,127.0.0.1\" \"curl/8\" \"rid\" \"example.com\" \"127.0.0.1:9000\"\n");
}

TEST(AccessLog, MissingValuesAreDashes) {
  AccessLogEntry e;
  e.startTime = std::chrono::system_clock::time_point(std::chrono::milliseconds(0));
  e.method = "GET";
  e.path = "/";
  e.protocol = "HTTP/1.0";
  e.responseCode = 404;
  e.responseFlags = "NR";
  EXPECT_EQ(AccessLog::format(e),
            "[1970-01-01T00:00:00.000Z] \"GET / HTTP/1.0\" 404 NR 0 0 0 - \"-\" \"-\" \"-\" \"-\" "
            "\"-\"\n");
}

}  // namespace
}  // namespace portico::core
