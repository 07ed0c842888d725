#include "portico/config/source_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace portico::config {
namespace fs = std::filesystem;
namespace {

void fileError(Diagnostics& diagnostics, const std::string& file, Mark mark, std::string message) {
  diagnostics.add({Severity::kError, file, mark, {}, {}, std::move(message)});
}

bool isYamlName(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// Collects YAML files under `dir` (symlinks followed). `active` holds the canonical
// directories on the current descent so that a symlink loop ends instead of recursing forever.
void collect(const fs::path& dir, std::set<fs::path>& active, std::vector<std::string>& out,
             Diagnostics& diagnostics) {
  std::error_code ec;
  fs::path canonical = fs::canonical(dir, ec);
  if (ec) {
    fileError(diagnostics, dir.string(), {}, "cannot resolve directory: " + ec.message());
    return;
  }
  if (!active.insert(canonical).second) return;  // a symlink back into an ancestor
  fs::directory_iterator it(dir, ec);
  if (ec) {
    fileError(diagnostics, dir.string(), {}, "cannot read directory: " + ec.message());
    active.erase(canonical);
    return;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& entry = it->path();
    // ConfigMap volumes keep the real files under ..data and ..<timestamp>; the visible
    // top-level names are symlinks into them, so loading both would duplicate resources.
    if (entry.filename().string().starts_with(".")) continue;
    std::error_code sec;
    fs::file_status st = fs::status(entry, sec);  // follows symlinks
    if (sec) continue;                            // dangling symlink: not a config file
    if (fs::is_directory(st)) {
      collect(entry, active, out, diagnostics);
    } else if (fs::is_regular_file(st) && isYamlName(entry)) {
      out.push_back(entry.string());
    }
  }
  if (ec) fileError(diagnostics, dir.string(), {}, "cannot read directory: " + ec.message());
  active.erase(canonical);
}

}  // namespace

std::vector<std::string> expandConfigPaths(const std::vector<std::string>& paths,
                                           Diagnostics& diagnostics) {
  std::vector<std::string> files;
  std::set<fs::path> seen;  // canonical paths already in `files`
  for (const auto& path : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      fileError(diagnostics, path, {}, "no such file or directory");
      continue;
    }
    std::vector<std::string> found;
    if (fs::is_directory(st)) {
      std::set<fs::path> active;
      collect(path, active, found, diagnostics);
      std::sort(found.begin(), found.end());
    } else {
      found.push_back(path);  // named explicitly: loaded whatever its extension
    }
    for (auto& file : found) {
      std::error_code cec;
      fs::path canonical = fs::canonical(file, cec);
      if (cec) canonical = fs::path(file).lexically_normal();
      if (seen.insert(canonical).second) files.push_back(std::move(file));
    }
  }
  return files;
}

std::vector<SourceDocument> readDocuments(const std::string& file, Diagnostics& diagnostics,
                                          std::string* bytes) {
  std::vector<SourceDocument> out;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    fileError(diagnostics, file, {}, "cannot open file");
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (bytes) *bytes = text.str();

  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text.str());
  } catch (const YAML::Exception& e) {
    Mark mark;
    if (e.mark.line >= 0) mark = {e.mark.line + 1, e.mark.column + 1};
    fileError(diagnostics, file, mark, "YAML syntax error: " + e.msg);
    return out;
  }

  auto addResource = [&](const YAML::Node& node) {
    Mark mark;
    if (node.Mark().line >= 0) mark = {node.Mark().line + 1, node.Mark().column + 1};
    if (!node || node.IsNull()) return;  // empty document (`---` with nothing, or comments)
    if (!node.IsMap()) {
      fileError(diagnostics, file, mark, "expected a resource (a YAML mapping)");
      return;
    }
    out.push_back({file, node, mark});
  };
  for (const auto& doc : documents) {
    if (doc.IsMap() && doc["kind"] && doc["kind"].IsScalar() && doc["kind"].Scalar() == "List") {
      const YAML::Node items = doc["items"];
      if (!items || items.IsNull()) continue;
      if (!items.IsSequence()) {
        fileError(diagnostics, file, {items.Mark().line + 1, items.Mark().column + 1},
                  "List: items: expected a list");
        continue;
      }
      for (const auto& item : items) addResource(item);
      continue;
    }
    addResource(doc);
  }
  return out;
}

}  // namespace portico::config
