#include "support/http_probe.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace portico::testing {
namespace asio = boost::asio;
namespace http = boost::beast::http;

bool HttpProbe::runFor(std::chrono::milliseconds timeout, const bool& done) {
  context_.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    context_.run_one_until(deadline);
  }
  if (!done) {
    close();
    context_.restart();
    context_.run();  // let the cancelled operation finish
  }
  return done;
}

bool HttpProbe::connect(std::chrono::milliseconds timeout) {
  if (socket_.is_open()) return true;
  bool done = false;
  boost::system::error_code result;
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
  socket_.async_connect(ep, [&](boost::system::error_code ec) {
    result = ec;
    done = true;
  });
  if (!runFor(timeout, done)) return false;
  if (result) {
    close();
    return false;
  }
  buffer_.clear();
  return true;
}

std::optional<ProbeResponse> HttpProbe::get(const std::string& path,
                                            std::chrono::milliseconds timeout) {
  if (!socket_.is_open()) return std::nullopt;
  http::request<http::empty_body> request(http::verb::get, path, 11);
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
  request.keep_alive(true);
  http::response<http::string_body> response;
  bool done = false;
  boost::system::error_code result;
  http::async_write(socket_, request, [&](boost::system::error_code ec, std::size_t) {
    if (ec) {
      result = ec;
      done = true;
      return;
    }
    http::async_read(socket_, buffer_, response, [&](boost::system::error_code rec, std::size_t) {
      result = rec;
      done = true;
    });
  });
  if (!runFor(timeout, done) || result) {
    close();
    return std::nullopt;
  }
  ProbeResponse out;
  out.status = response.result_int();
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = response.body();
  if (!response.keep_alive()) close();
  return out;
}

bool HttpProbe::closedByPeer(std::chrono::milliseconds timeout) {
  if (!socket_.is_open()) return true;
  bool done = false;
  boost::system::error_code result;
  char byte;
  socket_.async_read_some(asio::buffer(&byte, 1), [&](boost::system::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!runFor(timeout, done)) return false;  // still open (runFor closed our side)
  close();
  return result == asio::error::eof || result == asio::error::connection_reset;
}

void HttpProbe::close() {
  boost::system::error_code ec;
  socket_.close(ec);
}

}  // namespace portico::testing
