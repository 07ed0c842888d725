#include "portico/http/path_normalizer.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(PathNormalizer, RemovesDotSegmentsAndMergesSlashes) {
  EXPECT_EQ(normalizePath("/a/../b//c/./d"), "/b/c/d");
  EXPECT_EQ(normalizePath("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalizePath("/a/b/.."), "/a/");
  EXPECT_EQ(normalizePath("//a///b/"), "/a/b/");
  EXPECT_EQ(normalizePath("/"), "/");
}

TEST(PathNormalizer, DecodesUnreservedOnlyAndKeepsEncodedSlash) {
  EXPECT_EQ(normalizePath("/%7Efoo/%41"), "/~foo/A");
  EXPECT_EQ(normalizePath("/a/%2Fb"), "/a/%2Fb");
  EXPECT_EQ(normalizePath("/a/%2fb"), "/a/%2Fb");
  // Encoded dots are dot segments; an encoded slash does not split a segment.
  EXPECT_EQ(normalizePath("/a/b/%2e%2E/c"), "/a/c");
  EXPECT_EQ(normalizePath("/a%2F..%2Fb"), "/a%2F..%2Fb");
}

TEST(PathNormalizer, ParsesTargetsWithQueryAndAbsoluteForm) {
  auto t = parseRequestTarget("/x/../y?b=1&a=2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/y");
  EXPECT_TRUE(t->hasQuery);
  EXPECT_EQ(t->query, "b=1&a=2");

  auto abs = parseRequestTarget("http://example.com:8080/p?q");
  ASSERT_TRUE(abs);
  EXPECT_EQ(abs->authority, "example.com:8080");
  EXPECT_EQ(abs->path, "/p");
  EXPECT_EQ(abs->query, "q");

  EXPECT_FALSE(parseRequestTarget("no-slash"));
  EXPECT_FALSE(parseRequestTarget("/a b"));
}

}  // namespace
}  // namespace portico::http
