// Diagnostics produced while loading, validating and compiling configuration.
// Every diagnostic names where it comes from (file:line:column), the resource
// (`Kind namespace/name`) and the field path, so an operator can fix it without guessing.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace portico::config {

enum class Severity { kWarning, kError };

// A position in a YAML file, 1-based; 0 means unknown.
struct Mark {
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;
  Mark mark;
  std::string resource;  // "VirtualService default/product"; empty for file-level problems
  std::string field;     // "http[0].match[1].uri.regex"; empty for resource-level problems
  std::string message;

  // Errors:   "config/vs.yaml:14:9: VirtualService default/product: http[0].uri.regex: msg"
  // Warnings: "config/vs.yaml:14:9: warning: VirtualService default/product: http[0].x: msg"
  std::string format() const;
};

class Diagnostics {
 public:
  void add(Diagnostic d);
  void append(const Diagnostics& other);

  const std::vector<Diagnostic>& items() const { return items_; }
  bool hasErrors() const { return errors_ > 0; }
  std::size_t errorCount() const { return errors_; }
  std::size_t warningCount() const { return items_.size() - errors_; }

  // Every diagnostic formatted, one per line.
  std::string format() const;

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
};

}  // namespace portico::config
