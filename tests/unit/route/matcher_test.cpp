#include <gtest/gtest.h>

#include "portico/route/header_matcher.h"
#include "portico/route/path_matcher.h"
#include "portico/route/query_matcher.h"
#include "portico/route/request_matcher.h"
#include "portico/route/string_matcher.h"
#include "route_test_util.h"

namespace portico::route {
namespace {

using namespace testing;

TEST(StringMatcherTest, ExactPrefixRegexPresence) {
  EXPECT_TRUE(StringMatcher(exact("GET")).matches("GET"));
  EXPECT_FALSE(StringMatcher(exact("GET")).matches("get"));
  EXPECT_FALSE(StringMatcher(exact("GET")).matches("GETX"));
  EXPECT_TRUE(StringMatcher(prefix("ab")).matches("abc"));
  EXPECT_FALSE(StringMatcher(prefix("ab")).matches("a"));
  // RE2 full match, not search.
  EXPECT_TRUE(StringMatcher(regex("\\d+")).matches("123"));
  EXPECT_FALSE(StringMatcher(regex("\\d+")).matches("a123"));
  EXPECT_TRUE(StringMatcher(regex("(?i)abc")).matches("ABC"));
  EXPECT_TRUE(StringMatcher(presence()).matches(""));
}

TEST(StringMatcherTest, IgnoreCaseOnlyForExactAndPrefix) {
  EXPECT_TRUE(StringMatcher(exact("/Foo"), true).matches("/fOO"));
  EXPECT_TRUE(StringMatcher(prefix("/API/"), true).matches("/api/v1"));
  EXPECT_FALSE(StringMatcher(regex("/foo"), true).matches("/FOO"));
}

TEST(StringMatcherTest, InvalidRegexMatchesNothing) {
  StringMatcher m(regex("(unclosed"));
  EXPECT_FALSE(m.valid());
  EXPECT_FALSE(m.matches("(unclosed"));
}

TEST(PathMatcherTest, MatchedLengthPerKind) {
  EXPECT_EQ(PathMatcher(prefix("/api"), false).match("/api/v1"), 4u);
  EXPECT_EQ(PathMatcher(exact("/api/v1"), false).match("/api/v1"), 7u);
  EXPECT_EQ(PathMatcher(regex("/api/.*"), false).match("/api/v1"), 7u);
  EXPECT_EQ(PathMatcher().match("/anything"), 1u);  // implicit prefix "/"
  EXPECT_EQ(PathMatcher(presence(), false).match("/x"), 1u);
  EXPECT_FALSE(PathMatcher(prefix("/api"), false).match("/ap"));
  EXPECT_FALSE(PathMatcher(exact("/api"), false).match("/api/"));
  // Plain string prefix, not segment-aware.
  EXPECT_EQ(PathMatcher(prefix("/static"), false).match("/staticfoo"), 7u);
  EXPECT_EQ(PathMatcher(prefix("/Api"), true).match("/aPI/x"), 4u);
}

TEST(HeaderMatcherTest, CaseSensitiveValuesAndPresence) {
  Request r = get("/");
  r.headers = FakeHeaders{{"x-env", "prod"}};
  EXPECT_TRUE(HeaderMatcher("x-env", exact("prod"), false).matches(r.input()));
  EXPECT_FALSE(HeaderMatcher("x-env", exact("PROD"), false).matches(r.input()));
  EXPECT_TRUE(HeaderMatcher("x-env", presence(), false).matches(r.input()));
  EXPECT_FALSE(HeaderMatcher("x-missing", presence(), false).matches(r.input()));
  EXPECT_FALSE(HeaderMatcher("x-missing", exact(""), false).matches(r.input()));
  EXPECT_TRUE(HeaderMatcher("x-env", regex("pr.*"), false).matches(r.input()));
}

TEST(HeaderMatcherTest, WithoutHeadersTreatsMissingAsEmpty) {
  Request r = get("/");
  r.headers = FakeHeaders{{"x-env", "prod"}};
  EXPECT_FALSE(HeaderMatcher("x-env", exact("prod"), true).matches(r.input()));
  EXPECT_TRUE(HeaderMatcher("x-env", exact("dev"), true).matches(r.input()));
  // Missing header = "": withoutHeaders {exact: ""} excludes requests without it.
  EXPECT_FALSE(HeaderMatcher("x-missing", exact(""), true).matches(r.input()));
  EXPECT_TRUE(HeaderMatcher("x-missing", exact("a"), true).matches(r.input()));
  // Presence, inverted: matches only when absent.
  EXPECT_TRUE(HeaderMatcher("x-missing", presence(), true).matches(r.input()));
  EXPECT_FALSE(HeaderMatcher("x-env", presence(), true).matches(r.input()));
}

TEST(HeaderMatcherTest, PseudoHeadersComeFromTheRequestHead) {
  Request r = get("/a?b=1", "Example.com:8080");
  r.method = "POST";
  EXPECT_TRUE(HeaderMatcher(":method", exact("POST"), false).matches(r.input()));
  EXPECT_TRUE(HeaderMatcher(":authority", exact("Example.com:8080"), false).matches(r.input()));
  EXPECT_TRUE(HeaderMatcher(":path", exact("/a?b=1"), false).matches(r.input()));
  EXPECT_TRUE(HeaderMatcher(":scheme", exact("http"), false).matches(r.input()));
  EXPECT_TRUE(HeaderMatcher("host", exact("Example.com:8080"), false).matches(r.input()));
}

TEST(QueryMatcherTest, ExactRegexPresenceAndEmptyValue) {
  EXPECT_TRUE(QueryMatcher("v", exact("2")).matches("a=1&v=2"));
  EXPECT_FALSE(QueryMatcher("v", exact("2")).matches("v=22"));
  EXPECT_TRUE(QueryMatcher("id", regex("\\d+")).matches("id=123"));
  EXPECT_FALSE(QueryMatcher("id", regex("\\d+")).matches("id=a123"));
  EXPECT_TRUE(QueryMatcher("debug", exact("")).matches("debug"));
  EXPECT_TRUE(QueryMatcher("debug", exact("")).matches("debug="));
  EXPECT_FALSE(QueryMatcher("debug", exact("")).matches("debug=1"));
  EXPECT_TRUE(QueryMatcher("debug", presence()).matches("x=1&debug=1"));
  EXPECT_FALSE(QueryMatcher("debug", presence()).matches("debugger=1"));
  EXPECT_FALSE(QueryMatcher("debug", presence()).matches(""));
  // Percent-decoded; the first occurrence counts.
  EXPECT_TRUE(QueryMatcher("q", exact("a b")).matches("q=a%20b"));
  EXPECT_TRUE(QueryMatcher("q", exact("1")).matches("q=1&q=2"));
  EXPECT_FALSE(QueryMatcher("q", exact("2")).matches("q=1&q=2"));
}

TEST(RequestMatcherTest, AllConditionsAreAnded) {
  config::HttpMatchRequest m = uriMatch(prefix("/api"));
  m.method = exact("GET");
  m.scheme = exact("https");
  m.authority = prefix("api.");
  m.headers = {{"x-user", exact("alice")}};
  m.withoutHeaders = {{"x-debug", presence()}};
  m.queryParams = {{"v", exact("2")}};
  RequestMatcher matcher(m);

  Request r = get("/api/x?v=2", "api.example.com");
  r.scheme = "https";
  r.headers = FakeHeaders{{"x-user", "alice"}};
  EXPECT_EQ(matcher.match(r.input()), 4u);

  Request wrongMethod = r;
  wrongMethod.method = "POST";
  EXPECT_FALSE(matcher.match(wrongMethod.input()));
  Request debug = r;
  debug.headers = FakeHeaders{{"x-user", "alice"}, {"x-debug", "1"}};
  EXPECT_FALSE(matcher.match(debug.input()));
  Request noQuery = get("/api/x", "api.example.com");
  noQuery.scheme = "https";
  noQuery.headers = FakeHeaders{{"x-user", "alice"}};
  EXPECT_FALSE(matcher.match(noQuery.input()));
  Request http = r;
  http.scheme = "http";
  EXPECT_FALSE(matcher.match(http.input()));
}

}  // namespace
}  // namespace portico::route
