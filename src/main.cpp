// portico: flags to core::Server, nothing else. (The daemon lands with the data-plane issue.)
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "portico/config/validate_command.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "validate") == 0) {
    bool strict = false;
    std::vector<std::string> paths;
    for (int i = 2; i < argc; ++i) {
      if (std::strcmp(argv[i], "--strict") == 0)
        strict = true;
      else
        paths.emplace_back(argv[i]);
    }
    if (paths.empty()) {
      std::cerr << "usage: portico validate [--strict] PATH...\n";
      return 2;
    }
    return portico::config::runValidate(paths, strict, std::cout);
  }
  std::printf("portico %s\n", PORTICO_VERSION);
  return 0;
}
