#include "portico/ratelimit/redis_asio_adapter.h"

namespace portico::ratelimit {

RedisAsioAdapter::RedisAsioAdapter(boost::asio::io_context& io, redisAsyncContext* ac)
    : ac_(ac), descriptor_(io) {
  boost::system::error_code ec;
  descriptor_.assign(ac->c.fd, ec);
}

int RedisAsioAdapter::attach(boost::asio::io_context& io, redisAsyncContext* ac) {
  if (ac->ev.data != nullptr) return REDIS_ERR;
  auto adapter = std::make_shared<RedisAsioAdapter>(io, ac);
  adapter->self_ = adapter;
  ac->ev.data = adapter.get();
  ac->ev.addRead = &RedisAsioAdapter::addRead;
  ac->ev.delRead = &RedisAsioAdapter::delRead;
  ac->ev.addWrite = &RedisAsioAdapter::addWrite;
  ac->ev.delWrite = &RedisAsioAdapter::delWrite;
  ac->ev.cleanup = &RedisAsioAdapter::cleanup;
  return REDIS_OK;
}

void RedisAsioAdapter::addRead(void* self) {
  auto* a = static_cast<RedisAsioAdapter*>(self);
  a->reading_ = true;
  a->armRead();
}

void RedisAsioAdapter::delRead(void* self) {
  static_cast<RedisAsioAdapter*>(self)->reading_ = false;
}

void RedisAsioAdapter::addWrite(void* self) {
  auto* a = static_cast<RedisAsioAdapter*>(self);
  a->writing_ = true;
  a->armWrite();
}

void RedisAsioAdapter::delWrite(void* self) {
  static_cast<RedisAsioAdapter*>(self)->writing_ = false;
}

void RedisAsioAdapter::cleanup(void* self) {
  auto* a = static_cast<RedisAsioAdapter*>(self);
  a->ac_ = nullptr;
  a->reading_ = a->writing_ = false;
  boost::system::error_code ec;
  if (a->descriptor_.is_open()) {
    a->descriptor_.cancel(ec);
    (void)a->descriptor_.release();  // hiredis closes the fd
  }
  a->self_.reset();  // may destroy `a` if no wait is pending
}

std::size_t RedisAsioAdapter::bytesReadable() {
  if (!descriptor_.is_open()) return 0;
  boost::asio::posix::descriptor_base::bytes_readable command(true);
  boost::system::error_code ec;
  descriptor_.io_control(command, ec);
  return ec ? 0 : command.get();
}

void RedisAsioAdapter::armRead() {
  if (readArmed_ || !ac_) return;
  readArmed_ = true;
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->readArmed_ = false;
                           if (ec || !self->ac_ || !self->reading_) return;
                           redisAsyncHandleRead(self->ac_);
                           // Replies larger than hiredis's read chunk stay buffered in the socket;
                           // read them now rather than waiting for an edge that will not come.
                           while (self->ac_ && self->reading_ && self->bytesReadable() > 0) {
                             redisAsyncHandleRead(self->ac_);
                           }
                           if (self->ac_ && self->reading_) self->armRead();
                         });
}

void RedisAsioAdapter::armWrite() {
  if (writeArmed_ || !ac_) return;
  writeArmed_ = true;
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->writeArmed_ = false;
                           if (ec || !self->ac_ || !self->writing_) return;
                           redisAsyncHandleWrite(self->ac_);
                           if (self->ac_ && self->writing_) self->armWrite();
                         });
}

}  // namespace portico::ratelimit
