// Drives a hiredis redisAsyncContext from a Boost.Asio io_context: hiredis's add/del
// read/write hooks arm async_wait on a posix::stream_descriptor over the connection's fd,
// and readiness calls redisAsyncHandleRead/Write. No call blocks the worker thread.
//
// Ownership: attach() creates the adapter and stores it in ac->ev.data; it keeps itself
// alive until hiredis calls the cleanup hook (when the context is freed). The descriptor
// never closes the fd (hiredis does): cleanup releases it. Pending waits hold a shared_ptr,
// so a wait completing after cleanup finds the adapter detached and does nothing.
#pragma once

#include <hiredis/async.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace portico::ratelimit {

class RedisAsioAdapter : public std::enable_shared_from_this<RedisAsioAdapter> {
 public:
  // Returns REDIS_OK, or REDIS_ERR when the context already has event hooks.
  static int attach(boost::asio::io_context& io, redisAsyncContext* ac);

  RedisAsioAdapter(boost::asio::io_context& io, redisAsyncContext* ac);

 private:
  static void addRead(void* self);
  static void delRead(void* self);
  static void addWrite(void* self);
  static void delWrite(void* self);
  static void cleanup(void* self);

  void armRead();
  void armWrite();
  std::size_t bytesReadable();

  redisAsyncContext* ac_;  // nullptr once hiredis cleaned up
  boost::asio::posix::stream_descriptor descriptor_;
  bool reading_ = false;
  bool writing_ = false;
  bool readArmed_ = false;
  bool writeArmed_ = false;
  std::shared_ptr<RedisAsioAdapter> self_;  // hiredis's reference, dropped by cleanup()
};

}  // namespace portico::ratelimit
