// portico: flags to core::Server, nothing else. (The daemon lands with the data-plane issue.)
#include <cstdio>

int main() {
  std::printf("portico %s\n", PORTICO_VERSION);
  return 0;
}
