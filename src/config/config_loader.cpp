#include <spdlog/spdlog.h>

#include <map>
#include <set>
#include <tuple>

#include "portico/config/config_set.h"
#include "portico/config/content_hash.h"
#include "portico/config/cross_validator.h"
#include "portico/config/node_reader.h"
#include "portico/config/resource_parsers.h"
#include "portico/config/source_loader.h"

namespace portico::config {
namespace {

constexpr const char* kIstioVersions[] = {"networking.istio.io/v1", "networking.istio.io/v1beta1",
                                          "networking.istio.io/v1alpha3"};
constexpr const char* kRateLimitVersions[] = {"networking.istio.io/v1alpha3",
                                              "portico.dev/v1alpha1"};

bool isKnownKind(const std::string& kind) {
  return kind == "Gateway" || kind == "VirtualService" || kind == "DestinationRule" ||
         kind == "ServiceEntry" || kind == "RateLimitConfig";
}

bool apiVersionAccepted(const std::string& kind, const std::string& apiVersion) {
  if (kind == "RateLimitConfig") {
    for (const char* v : kRateLimitVersions) {
      if (apiVersion == v) return true;
    }
    return false;
  }
  for (const char* v : kIstioVersions) {
    if (apiVersion == v) return true;
  }
  return false;
}

std::string expectedVersions(const std::string& kind) {
  if (kind == "RateLimitConfig") return "networking.istio.io/v1alpha3 or portico.dev/v1alpha1";
  return "networking.istio.io/v1, networking.istio.io/v1beta1 or networking.istio.io/v1alpha3";
}

struct Place {
  std::string file;
  Mark mark;
};

class DocumentLoader {
 public:
  explicit DocumentLoader(ConfigSet& set) : set_(set) {}

  void load(const SourceDocument& doc) {
    const YAML::Node& node = doc.node;
    std::string kind = scalar(node, "kind");
    std::string apiVersion = scalar(node, "apiVersion");
    if (kind.empty()) {
      fileError(doc, "kind: Required value");
      return;
    }
    if (!isKnownKind(kind)) {
      spdlog::debug("{}:{}: skipping {} {} (not a kind Portico reads)", doc.file, doc.mark.line,
                    apiVersion, kind);
      return;
    }
    if (!apiVersionAccepted(kind, apiVersion)) {
      // Same kind name, different API (Kubernetes Gateway API's Gateway): not ours.
      if (apiVersion.starts_with("gateway.networking.k8s.io/")) {
        spdlog::debug("{}:{}: skipping {} {}", doc.file, doc.mark.line, apiVersion, kind);
        return;
      }
      fileError(doc, kind + ": apiVersion: unsupported apiVersion \"" + apiVersion +
                         "\" (expected " + expectedVersions(kind) + ")");
      return;
    }

    ResourceMeta meta;
    meta.kind = kind;
    meta.apiVersion = apiVersion;
    meta.file = doc.file;
    meta.mark = doc.mark;
    meta.order = order_++;
    meta.source = node;

    // Diagnostics before the name is known still name the kind.
    std::string provisional = kind;
    if (auto md = node["metadata"]; md && md.IsMap() && md["name"] && md["name"].IsScalar()) {
      meta.name = md["name"].Scalar();
      if (md["namespace"] && md["namespace"].IsScalar() && !md["namespace"].Scalar().empty()) {
        meta.ns = md["namespace"].Scalar();
      }
      provisional = meta.displayName();
    }
    ResourceContext context(doc.file, provisional, set_.diagnostics);
    NodeReader top(node, "", context);
    top.has("apiVersion");
    top.has("kind");
    top.has("status");  // written by controllers; never input
    if (!readMetadata(top, meta)) return;

    auto spec = top.child("spec");
    top.finish();  // warns about keys besides apiVersion/kind/metadata/spec/status
    if (!spec) {
      context.error(doc.mark, "spec", "Required value");
      return;
    }
    if (!spec->isMap()) {
      spec->error("expected an object");
      return;
    }
    checkDuplicate(meta, context);

    if (kind == "Gateway") {
      add(set_.gateways, meta, *spec, parseGatewaySpec);
    } else if (kind == "VirtualService") {
      add(set_.virtualServices, meta, *spec, parseVirtualServiceSpec);
    } else if (kind == "DestinationRule") {
      add(set_.destinationRules, meta, *spec, parseDestinationRuleSpec);
    } else if (kind == "ServiceEntry") {
      add(set_.serviceEntries, meta, *spec, parseServiceEntrySpec);
    } else {
      add(set_.rateLimitConfigs, meta, *spec, parseRateLimitConfigSpec);
    }
  }

 private:
  static std::string scalar(const YAML::Node& node, const char* key) {
    const YAML::Node v = node[key];
    return v && v.IsScalar() ? v.Scalar() : std::string();
  }

  void fileError(const SourceDocument& doc, std::string message) {
    set_.diagnostics.add({Severity::kError, doc.file, doc.mark, {}, {}, std::move(message)});
  }

  static bool readMetadata(NodeReader& top, ResourceMeta& meta) {
    auto md = top.object("metadata");
    if (!md) {
      if (!top.has("metadata")) top.context().error(top.mark(), "metadata", "Required value");
      return false;
    }
    // Other metadata (annotations, uid, resourceVersion, ...) is Kubernetes bookkeeping:
    // accepted without a word.
    auto name = md->string("name");
    if (!name || name->empty()) {
      if (!name)
        md->context().error(md->mark(), "metadata.name", "Required value");
      else
        md->errorAt("name", "Required value");
      return false;
    }
    if (auto ns = md->string("namespace"); ns && !ns->empty()) meta.ns = *ns;
    meta.labels = md->stringMap("labels");
    return true;
  }

  void checkDuplicate(const ResourceMeta& meta, ResourceContext& context) {
    auto key = std::make_tuple(meta.kind, meta.ns, meta.name);
    auto [it, inserted] = seen_.emplace(key, Place{meta.file, meta.mark});
    if (inserted) return;
    const Place& first = it->second;
    context.error(meta.mark, "metadata.name",
                  "duplicate " + meta.displayName() + ": already defined at " + first.file + ":" +
                      std::to_string(first.mark.line) + ":" + std::to_string(first.mark.column));
  }

  template <typename T>
  void add(std::vector<T>& list, const ResourceMeta& meta, NodeReader& spec,
           void (*parse)(NodeReader&, T&)) {
    T resource;
    resource.meta = meta;  // parsers read meta (the VirtualService parser needs meta.ns)
    parse(spec, resource);
    list.push_back(std::move(resource));
  }

  ConfigSet& set_;
  int order_ = 0;
  std::map<std::tuple<std::string, std::string, std::string>, Place> seen_;
};

Diagnostics promoteWarnings(const Diagnostics& in) {
  Diagnostics out;
  for (Diagnostic d : in.items()) {
    d.severity = Severity::kError;
    out.add(std::move(d));
  }
  return out;
}

}  // namespace

ConfigSet loadConfig(const std::vector<std::string>& paths, const LoadOptions& options) {
  ConfigSet set;
  set.sourceFiles = expandConfigPaths(paths, set.diagnostics);
  DocumentLoader loader(set);
  ContentHash hash;
  for (const auto& file : set.sourceFiles) {
    std::string bytes;
    auto documents = readDocuments(file, set.diagnostics, &bytes);
    hash.add(file);
    hash.add(bytes);
    for (const auto& doc : documents) {
      try {
        loader.load(doc);
      } catch (const std::exception& e) {
        // NodeReader stops yaml-cpp exceptions; this only guards against a parser bug
        // turning one odd document into a crash of the whole load.
        set.diagnostics.add({Severity::kError,
                             doc.file,
                             doc.mark,
                             {},
                             {},
                             std::string("internal error while reading document: ") + e.what()});
      }
    }
  }
  set.contentHash = hash.hex();
  try {
    crossValidate(set);
  } catch (const std::exception& e) {
    set.diagnostics.add({Severity::kError,
                         {},
                         {},
                         {},
                         {},
                         std::string("internal error during cross-validation: ") + e.what()});
  }
  if (options.strict) set.diagnostics = promoteWarnings(set.diagnostics);
  return set;
}

}  // namespace portico::config
