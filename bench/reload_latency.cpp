// Reload latency of the real binary: from the moment a config file is written (closed) to
// the first response served by the new snapshot, on one keep-alive connection polling a
// route whose answer names the config generation. Configs of 10, 1,000 and 10,000 routes;
// with the default 100 ms debounce and with none (the pipeline alone: inotify, YAML load,
// validation, compile, publish). Then the request rate of wrk on another route with no
// reloads and while reloading every 250 ms, in the same run.
//
// usage: portico_reload_bench PORTICO_BINARY [ROUNDS=10]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

uint16_t freePort() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::string config(uint16_t port, int routes, int generation) {
  std::string out =
      "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\n"
      "spec:\n  selector: {istio: ingressgateway}\n  servers:\n"
      "  - port: {number: " + std::to_string(port) + ", name: http, protocol: HTTP}\n"
      "    hosts: [\"*\"]\n---\n"
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\n"
      "spec:\n  hosts: [\"*\"]\n  gateways: [gw]\n  http:\n";
  out.reserve(out.size() + routes * 110);
  for (int i = 0; i < routes - 1; ++i) {
    out += "  - match: [{uri: {prefix: /r" + std::to_string(i) +
           "/}}]\n    directResponse: {status: 200, body: {string: ok}}\n";
  }
  out += "  - match: [{uri: {exact: /probe}}]\n    directResponse: {status: 200, body: {string: gen-" +
         std::to_string(generation) + "}}\n";
  return out;
}

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    for (int i = 0; i < 200; ++i) {
      boost::system::error_code ec;
      socket_.connect(ep, ec);
      if (!ec) return;
      socket_.close();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("cannot connect");
  }
  std::string get(const std::string& target) {
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "bench");
    http::write(socket_, req);
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res.body();
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

struct Proc {
  pid_t pid = -1;
  explicit Proc(const std::vector<std::string>& argv, const std::string& log) {
    pid = fork();
    if (pid == 0) {
      FILE* f = std::freopen(log.c_str(), "a", stdout);
      (void)f;
      dup2(fileno(stdout), 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Proc() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
};

std::string adminGet(uint16_t adminPort, const std::string& path) {
  Client c(adminPort);
  return c.get(path);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
}

double wrkRate(uint16_t port, int seconds) {
  std::string cmd = "wrk -t1 -c20 -d" + std::to_string(seconds) + "s http://127.0.0.1:" +
                    std::to_string(port) + "/r0/ 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([\d.]+))"))) return std::stod(m[1]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: portico_reload_bench PORTICO_BINARY [ROUNDS]\n";
    return 2;
  }
  std::string binary = argv[1];
  int rounds = argc > 2 ? std::atoi(argv[2]) : 10;
  fs::path work = fs::temp_directory_path() / ("portico-reload-bench-" + std::to_string(getpid()));
  fs::create_directories(work / "config");

  std::printf("%-7s %-9s %10s %10s %10s %10s %10s\n", "routes", "debounce", "p50 ms", "p90 ms",
              "max ms", "load ms", "compile ms");
  for (int routes : {10, 1000, 10000}) {
    for (int debounce : {100, 0}) {
      uint16_t port = freePort(), admin = freePort();
      fs::path file = work / "config" / "gw.yaml";
      int generation = 0;
      writeFile(file, config(port, routes, generation));
      Proc portico({binary, "-c", (work / "config").string(), "--concurrency", "1",
                    "--access-log", "off", "--bind-address", "127.0.0.1", "--admin-address",
                    "127.0.0.1:" + std::to_string(admin), "--reload-debounce-ms",
                    std::to_string(debounce), "--log-level", "warn"},
                   (work / "portico.log").string());
      Client client(port);
      while (client.get("/probe") != "gen-0") std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::vector<double> latencies, loads, compiles;
      for (int r = 0; r < rounds; ++r) {
        ++generation;
        std::string text = config(port, routes, generation);
        std::string want = "gen-" + std::to_string(generation);
        writeFile(file, text);
        auto written = Clock::now();
        // Poll every 200 us: a tight loop would take a core from the reload it measures.
        while (client.get("/probe") != want) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - written).count());
        auto dump = boost::json::parse(adminGet(admin, "/config_dump"));
        loads.push_back(dump.at("reload").at("last_load_ms").to_number<double>());
        compiles.push_back(dump.at("reload").at("last_compile_ms").to_number<double>());
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
      }
      std::printf("%-7d %-9d %10.1f %10.1f %10.1f %10.1f %10.1f\n", routes, debounce,
                  percentile(latencies, 0.5), percentile(latencies, 0.9),
                  percentile(latencies, 1.0), percentile(loads, 0.5), percentile(compiles, 0.5));
      std::fflush(stdout);
    }
  }

  // Request rate with and without reloads, 10,000 routes, default debounce.
  {
    uint16_t port = freePort(), admin = freePort();
    fs::path file = work / "config" / "gw.yaml";
    writeFile(file, config(port, 10000, 0));
    Proc portico({binary, "-c", (work / "config").string(), "--concurrency", "1", "--access-log",
                  "off", "--bind-address", "127.0.0.1", "--admin-address",
                  "127.0.0.1:" + std::to_string(admin), "--log-level", "warn"},
                 (work / "portico.log").string());
    Client client(port);
    client.get("/probe");
    double quiet = wrkRate(port, 8);
    std::atomic<bool> stop{false};
    int reloads = 0;
    std::thread writer([&] {
      int g = 1;
      while (!stop) {
        writeFile(file, config(port, 10000, g++));
        ++reloads;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    });
    double busy = wrkRate(port, 8);
    stop = true;
    writer.join();
    std::printf("\nwrk -t1 -c20, 8 s, 10,000 routes: %.0f req/s without reloads, %.0f req/s with "
                "%d reloads (every 250 ms): %.1f%%\n",
                quiet, busy, reloads, 100.0 * busy / quiet);
  }
  fs::remove_all(work);
  return 0;
}
