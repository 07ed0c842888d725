#include "portico/config/node_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace portico::config {

void ResourceContext::error(Mark mark, std::string field, std::string message) {
  ++errors_;
  diagnostics_.add({Severity::kError, file_, mark, resource_, std::move(field), std::move(message)});
}

void ResourceContext::warning(Mark mark, std::string field, std::string message) {
  diagnostics_.add(
      {Severity::kWarning, file_, mark, resource_, std::move(field), std::move(message)});
}

Mark markOf(const YAML::Node& node) {
  if (!node) return {};
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string toSnakeCase(std::string_view camel) {
  std::string out;
  out.reserve(camel.size() + 4);
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::chrono::nanoseconds> parseDurationString(std::string_view text) {
  // Go's time.ParseDuration grammar: [0-9.]+ unit, repeated; units ns us ms s m h.
  if (text.empty()) return std::nullopt;
  long double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    if (start == i) return std::nullopt;
    std::string number(text.substr(start, i - start));
    if (std::count(number.begin(), number.end(), '.') > 1 || number == ".") return std::nullopt;
    long double value = std::stold(number);
    std::size_t unitStart = i;
    while (i < text.size() && ((text[i] >= 'a' && text[i] <= 'z') || text[i] == 'u')) ++i;
    std::string_view unit = text.substr(unitStart, i - unitStart);
    long double scale;
    if (unit == "ns") scale = 1;
    else if (unit == "us") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else return std::nullopt;
    total += value * scale;
  }
  if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
}

NodeReader::NodeReader(YAML::Node node, std::string path, ResourceContext& context)
    : node_(std::move(node)), path_(std::move(path)), context_(&context) {}

namespace {

// "sni_hosts" is the snake_case form of "sniHosts", without building the string.
bool isSnakeOf(std::string_view snake, std::string_view camel) {
  std::size_t i = 0;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      if (i >= snake.size() || snake[i] != '_') return false;
      ++i;
      if (i >= snake.size() || snake[i] != static_cast<char>(c - 'A' + 'a')) return false;
    } else if (i >= snake.size() || snake[i] != c) {
      return false;
    }
    ++i;
  }
  return i == snake.size();
}

}  // namespace

std::vector<NodeReader::Entry>& NodeReader::entries() const {
  if (!indexed_) {
    indexed_ = true;
    if (node_.IsMap()) {
      entries_.reserve(node_.size());
      for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (!it->first.IsScalar()) continue;
        entries_.push_back(Entry{it->first.Scalar(), it->first, it->second, false});
      }
    }
  }
  return entries_;
}

NodeReader::Entry* NodeReader::lookup(std::string_view key) const {
  auto& all = entries();
  for (auto& e : all) {
    if (e.key == key) return &e;
  }
  for (auto& e : all) {
    if (isSnakeOf(e.key, key)) return &e;
  }
  return nullptr;
}

std::optional<std::string> NodeReader::find(std::string_view key) const {
  if (Entry* e = lookup(key)) return e->key;
  return std::nullopt;
}

std::string NodeReader::fieldPath(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

Mark NodeReader::markAt(std::string_view key) const {
  Entry* e = lookup(key);
  if (!e) return mark();
  return markOf(e->keyNode);  // the key's own position, not its value's
}

bool NodeReader::has(std::string_view key) {
  Entry* found = nullptr;
  for (auto& e : entries()) {
    if (e.key == key || isSnakeOf(e.key, key)) {
      e.read = true;
      if (!found || e.key == key) found = &e;
    }
  }
  return found && !found->value.IsNull();
}

std::optional<NodeReader> NodeReader::child(std::string_view key) {
  if (!has(key)) return std::nullopt;
  return NodeReader(lookup(key)->value, fieldPath(key), *context_);
}

std::optional<NodeReader> NodeReader::object(std::string_view key) {
  auto c = child(key);
  if (!c) return std::nullopt;
  if (!c->node().IsMap()) {
    errorAt(key, "expected an object");
    return std::nullopt;
  }
  return c;
}

std::optional<std::string> NodeReader::string(std::string_view key) {
  auto c = child(key);
  if (!c) return std::nullopt;
  auto v = c->asString();
  if (!v) errorAt(key, "expected a string");
  return v;
}

std::optional<std::string> NodeReader::asString() {
  if (!node_.IsScalar()) return std::nullopt;
  return node_.Scalar();
}

std::optional<int64_t> NodeReader::integer(std::string_view key, int64_t min, int64_t max) {
  auto c = child(key);
  if (!c) return std::nullopt;
  if (!c->node().IsScalar()) {
    errorAt(key, "expected an integer");
    return std::nullopt;
  }
  const std::string& s = c->node().Scalar();
  int64_t value = 0;
  try {
    std::size_t used = 0;
    value = std::stoll(s, &used, 10);
    if (used != s.size()) throw std::invalid_argument(s);
  } catch (const std::exception&) {
    errorAt(key, "expected an integer, got \"" + s + "\"");
    return std::nullopt;
  }
  if (value < min || value > max) {
    errorAt(key, "value " + std::to_string(value) + " is out of range [" + std::to_string(min) +
                     ", " + std::to_string(max) + "]");
    return std::nullopt;
  }
  return value;
}

std::optional<double> NodeReader::number(std::string_view key) {
  auto c = child(key);
  if (!c) return std::nullopt;
  if (!c->node().IsScalar()) {
    errorAt(key, "expected a number");
    return std::nullopt;
  }
  const std::string& s = c->node().Scalar();
  try {
    std::size_t used = 0;
    double v = std::stod(s, &used);
    if (used != s.size() || !std::isfinite(v)) throw std::invalid_argument(s);
    return v;
  } catch (const std::exception&) {
    errorAt(key, "expected a number, got \"" + s + "\"");
    return std::nullopt;
  }
}

std::optional<bool> NodeReader::boolean(std::string_view key) {
  auto c = child(key);
  if (!c) return std::nullopt;
  if (c->node().IsScalar()) {
    const std::string& s = c->node().Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  errorAt(key, "expected a boolean");
  return std::nullopt;
}

std::optional<Duration> NodeReader::duration(std::string_view key) {
  auto c = child(key);
  if (!c) return std::nullopt;
  auto text = c->asString();
  auto parsed = text ? parseDurationString(*text) : std::nullopt;
  if (!parsed) {
    errorAt(key, "invalid duration \"" + text.value_or("") + "\" (e.g. \"5s\", \"300ms\")");
    return std::nullopt;
  }
  if (*parsed < std::chrono::milliseconds(1)) {
    errorAt(key, "duration must be greater than 1ms");
    return std::nullopt;
  }
  if (parsed->count() % 1000000 != 0) {
    errorAt(key, "only durations to ms precision are supported");
    return std::nullopt;
  }
  return std::chrono::duration_cast<Duration>(*parsed);
}

std::vector<NodeReader> NodeReader::list(std::string_view key) {
  std::vector<NodeReader> out;
  auto c = child(key);
  if (!c) return out;
  if (!c->node().IsSequence()) {
    errorAt(key, "expected a list");
    return out;
  }
  std::size_t i = 0;
  for (const auto& item : c->node()) {
    out.emplace_back(item, fieldPath(key) + "[" + std::to_string(i++) + "]", *context_);
  }
  return out;
}

std::vector<std::string> NodeReader::stringList(std::string_view key) {
  std::vector<std::string> out;
  for (auto& item : list(key)) {
    auto s = item.asString();
    if (!s) {
      item.error("expected a string");
      continue;
    }
    out.push_back(std::move(*s));
  }
  return out;
}

std::vector<std::pair<std::string, NodeReader>> NodeReader::entries(std::string_view key) {
  std::vector<std::pair<std::string, NodeReader>> out;
  auto c = child(key);
  if (!c) return out;
  if (!c->node().IsMap()) {
    errorAt(key, "expected an object");
    return out;
  }
  for (auto it = c->node().begin(); it != c->node().end(); ++it) {
    std::string name = it->first.IsScalar() ? it->first.Scalar() : std::string();
    out.emplace_back(name, NodeReader(it->second, fieldPath(key) + "." + name, *context_));
  }
  return out;
}

std::map<std::string, std::string> NodeReader::stringMap(std::string_view key) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : entries(key)) {
    auto s = value.asString();
    if (!s) {
      value.error("expected a string");
      continue;
    }
    out[name] = std::move(*s);
  }
  return out;
}

void NodeReader::ignore(std::string_view key, std::string_view why) {
  if (has(key)) warningAt(key, std::string(why));
}

void NodeReader::finish() {
  if (!node_.IsMap()) return;
  for (const auto& e : entries()) {
    if (e.read) continue;
    context_->warning(markOf(e.keyNode), fieldPath(e.key), "unknown field, ignored");
  }
}

void NodeReader::error(std::string message) const {
  context_->error(mark(), path_, std::move(message));
}
void NodeReader::warning(std::string message) const {
  context_->warning(mark(), path_, std::move(message));
}
void NodeReader::errorAt(std::string_view key, std::string message) const {
  context_->error(markAt(key), fieldPath(key), std::move(message));
}
void NodeReader::warningAt(std::string_view key, std::string message) const {
  context_->warning(markAt(key), fieldPath(key), std::move(message));
}

}  // namespace portico::config
