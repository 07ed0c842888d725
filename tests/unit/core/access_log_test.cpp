#include "portico/core/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

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

TEST(AccessLog, JsonLineCarriesTheSameFieldsEscaped) {
  AccessLogEntry e;
  e.startTime = std::chrono::system_clock::time_point(std::chrono::milliseconds(1460751420310));
  e.method = "GET";
  e.path = "/a?q=\"x\"\\";
  e.protocol = "HTTP/1.1";
  e.responseCode = 503;
  e.responseFlags = "UF,URX";
  e.bytesReceived = 1;
  e.bytesSent = 91;
  e.durationMs = 12;
  e.userAgent = "bad\x01\xff";
  e.requestId = "rid";
  e.authority = "example.com";
  e.upstreamHost = "127.0.0.1:1";
  std::string line = AccessLog::formatJson(e);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line,
            R"({"start_time":"2016-04-15T20:17:00.310Z","method":"GET","path":"/a?q=\"x\"\\",)"
            R"("protocol":"HTTP/1.1","response_code":503,"response_flags":"UF,URX",)"
            R"("bytes_received":1,"bytes_sent":91,"duration":12,"upstream_service_time":null,)"
            R"("x_forwarded_for":null,"user_agent":"bad\u0001�","x_request_id":"rid",)"
            R"("authority":"example.com","upstream_host":"127.0.0.1:1"})"
            "\n");
  boost::system::error_code ec;
  auto parsed = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(parsed.at("path").as_string(), "/a?q=\"x\"\\");
  EXPECT_EQ(parsed.at("response_code").as_int64(), 503);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AccessLog, WriterThreadFlushesEveryShardAndReopens) {
  auto dir = std::filesystem::temp_directory_path() /
             ("portico-access-log-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "access.log";
  {
    AccessLog log(path.string(), AccessLogFormat::kText, 2);
    AccessLogEntry e;
    e.method = "GET";
    e.path = "/one";
    log.write(e, 0);
    e.path = "/two";
    log.write(e, 1);
    log.flush();
    EXPECT_EQ(log.written(), 2u);
    std::filesystem::rename(path, dir / "access.log.1");
    log.reopen();
    e.path = "/three";
    log.write(e, 1);
    log.flush();
    e.path = "/four";
    log.write(e, 0);  // written by the destructor's final flush
  }
  std::string rotated = slurp(dir / "access.log.1");
  std::string fresh = slurp(path);
  EXPECT_NE(rotated.find("/one"), std::string::npos);
  EXPECT_NE(rotated.find("/two"), std::string::npos);
  EXPECT_EQ(rotated.find("/three"), std::string::npos);
  EXPECT_NE(fresh.find("/three"), std::string::npos);
  EXPECT_NE(fresh.find("/four"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace portico::core
