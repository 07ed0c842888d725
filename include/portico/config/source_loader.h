// Turns the -c paths into YAML documents: directories are read recursively for *.yaml and
// *.yml in lexical path order, following symlinks and skipping names that start with '.'
// (a mounted ConfigMap's ..data and ..<timestamp> internals); each real file is read once
// however many paths reach it; multi-document files and Kubernetes `List` objects are
// flattened into one document per resource.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "portico/config/diagnostic.h"

namespace portico::config {

struct SourceDocument {
  std::string file;  // the path as reached from the -c argument
  YAML::Node node;   // one resource (a mapping)
  Mark mark;
};

// The files to load, in load order. Missing paths and unreadable directories are errors.
std::vector<std::string> expandConfigPaths(const std::vector<std::string>& paths,
                                           Diagnostics& diagnostics);

// Every resource document in `file`. YAML syntax errors become one error with its position.
// `text`, when given, receives the file's bytes.
std::vector<SourceDocument> readDocuments(const std::string& file, Diagnostics& diagnostics,
                                          std::string* text = nullptr);

}  // namespace portico::config
