#include "portico/config/node_reader.h"

#include <gtest/gtest.h>

namespace portico::config {
namespace {

struct Fixture {
  Diagnostics diags;
  ResourceContext ctx{"f.yaml", "VirtualService default/vs", diags};
};

TEST(NodeReaderTest, ReadsCamelAndSnakeCase) {
  Fixture f;
  NodeReader r(YAML::Load("sni_hosts: [a]\nport: 80\n"), "spec", f.ctx);
  EXPECT_EQ(r.stringList("sniHosts").size(), 1u);
  EXPECT_EQ(r.integer("port", 1, 65535), 80);
  r.finish();
  EXPECT_EQ(f.diags.items().size(), 0u);
}

TEST(NodeReaderTest, WarnsOnUnknownFieldWithPosition) {
  Fixture f;
  NodeReader r(YAML::Load("a: 1\nwebsocketUpgrade: true\n"), "spec.http[0]", f.ctx);
  r.integer("a", 0, 10);
  r.finish();
  ASSERT_EQ(f.diags.items().size(), 1u);
  EXPECT_EQ(f.diags.items()[0].format(),
            "f.yaml:2:1: warning: VirtualService default/vs: spec.http[0].websocketUpgrade: "
            "unknown field, ignored");
}

TEST(NodeReaderTest, DurationRules) {
  Fixture f;
  NodeReader r(YAML::Load("a: 1.5s\nb: 100us\nc: 1.0001s\nd: xyz\ne: 1m30s\n"), "spec", f.ctx);
  EXPECT_EQ(r.duration("a"), Duration(1500));
  EXPECT_FALSE(r.duration("b"));
  EXPECT_FALSE(r.duration("c"));
  EXPECT_FALSE(r.duration("d"));
  EXPECT_EQ(r.duration("e"), Duration(90000));
  ASSERT_EQ(f.diags.errorCount(), 3u);
  EXPECT_EQ(f.diags.items()[0].message, "duration must be greater than 1ms");
  EXPECT_EQ(f.diags.items()[1].message, "only durations to ms precision are supported");
}

TEST(NodeReaderTest, IntegerRangeAndType) {
  Fixture f;
  NodeReader r(YAML::Load("p: 70000\nq: abc\n"), "spec", f.ctx);
  EXPECT_FALSE(r.integer("p", 1, 65535));
  EXPECT_FALSE(r.integer("q", 1, 65535));
  EXPECT_EQ(f.diags.errorCount(), 2u);
  EXPECT_EQ(f.diags.items()[0].format(),
            "f.yaml:1:1: VirtualService default/vs: spec.p: value 70000 is out of range [1, 65535]");
}

}  // namespace
}  // namespace portico::config
