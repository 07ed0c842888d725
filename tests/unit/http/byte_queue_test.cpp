#include "portico/http/byte_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace portico::http {
namespace {

TEST(ByteQueue, TakesFromTheFrontInOrder) {
  ByteQueue q;
  q.append("hello ");
  q.append("world");
  char out[8];
  ASSERT_EQ(q.take(out, 5), 5u);
  EXPECT_EQ(std::string(out, 5), "hello");
  EXPECT_EQ(q.size(), 6u);
  ASSERT_EQ(q.take(out, sizeof out), 6u);
  EXPECT_EQ(std::string(out, 6), " world");
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.take(out, sizeof out), 0u);
}

TEST(ByteQueue, KeepsOrderAcrossCompaction) {
  ByteQueue q;
  std::string expected, got;
  char piece[1000];
  for (int i = 0; i < 500; ++i) {
    std::string chunk(700, static_cast<char>('a' + i % 26));
    q.append(chunk);
    expected += chunk;
    std::size_t n = q.take(piece, sizeof piece);
    got.append(piece, n);
  }
  while (!q.empty()) {
    std::size_t n = q.take(piece, sizeof piece);
    got.append(piece, n);
  }
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace portico::http
