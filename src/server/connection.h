// One client connection on one io-thread: reads requests, runs them in order, writes replies.
//
// All requests parsed from one read run before the replies are written, and their replies leave
// in one write. Reads land in the thread's shared input buffer; only the unparsed tail of a read
// is copied into the connection's own buffer, so idle connections hold no input memory.
// A client that does not read its replies is paused once its pending output passes a high-water
// mark, and resumed when the socket drains: memory stays bounded and no request is dropped.
// client-output-buffer-limit is checked wherever output is added: before each write of replies
// (Flush) and after each message or MONITOR line; a client past it is closed.
//
// A Connection belongs to its IoThread and is used only on that thread, except for its Client,
// whose atomics other threads read under the thread's client-list mutex.
#ifndef STRATA_SERVER_CONNECTION_H_
#define STRATA_SERVER_CONNECTION_H_

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_buffer.h"
#include "resp/reply_builder.h"
#include "resp/request_parser.h"
#include "server/blocking.h"
#include "server/client.h"

namespace strata::server {

class IoThread;

class Connection {
 public:
  // Takes over the accepted socket `fd` and starts reading. Called on `thread`. The connection
  // deletes itself once closed.
  static void Adopt(IoThread* thread, int fd, bool unix_socket, uint64_t id);

  Client& client() { return client_; }
  const Client& client() const { return client_; }

  // Closes the connection now, dropping replies not yet written.
  void CloseNow();
  // Stops reading and closes once every pending reply is written (shutdown, QUIT).
  void CloseWhenFlushed();

  // This blocked client was served by another command's thread: sends `reply` and resumes its
  // pipelined requests.
  void DeliverServed(std::string_view reply);
  // Ends the client's block without serving it (timeout, CLIENT UNBLOCK), replying accordingly,
  // and resumes its pipelined requests.
  void EndBlock(UnblockReason reason);

  // The pause that held this client's command ended: runs its held and pipelined requests.
  void ResumeAfterPause();

  // Pub/sub: writes one message (a push frame in RESP3, an array in RESP2) and returns true if
  // the connection was not waiting for FlushMessages yet. Closes the connection instead if its
  // pending output passes its class's output buffer limit.
  bool WriteMessage(std::string_view kind, const std::string* pattern, std::string_view channel,
                    std::string_view payload);
  // MONITOR: writes `lines` (complete simple strings), as WriteMessage writes a message.
  bool WriteMonitorLines(std::string_view lines);
  // Logs that the client broke its output buffer limit and closes it without sending what is pending.
  void CloseForOutputLimit();
  // Sends the messages written since the last call.
  void FlushMessages();

  // For IoThread::ServeWhileBusy: reads what the socket holds (the loop is not running), runs
  // the complete requests and writes their replies. End of file and errors are left for the
  // loop to find.
  void ServeWhileBusy();

  // Intrusive list links, managed by the IoThread.
  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  Connection(IoThread* thread, uint64_t id, std::string addr, std::string laddr, int fd, int64_t now_ms,
             size_t max_bulk_len);

  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* handle);

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle_); }
  // Runs the complete requests in data[0, size) and returns the bytes consumed.
  size_t RunRequests(const char* data, size_t size);
  // Runs what is buffered in pending_input_.
  void RunPending();
  // Writes pending replies; closes if asked to once they are out.
  void Flush();
  // Starts or stops reading to match the connection's state.
  void UpdateReading();
  bool OutputOverHighWater() const;
  // Output not asked for (a message, a MONITOR line) was just written: closes the connection if
  // that broke its limit, and returns true if FlushMessages is newly due.
  bool AfterUnaskedOutput();
  // Whether pending output broke client-output-buffer-limit's class of this client (pubsub for a
  // subscriber, normal otherwise, monitors included, as Redis classes them): past the hard limit,
  // or past the soft limit for longer than its time.
  bool OverOutputLimit();
  void PublishBufferSizes();
  // The client just blocked: arms its timeout.
  void EnterBlocked();
  // Leaves the blocked state (the registry entry is already gone) and runs what was held back.
  void LeaveBlocked();

  IoThread* thread_;
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_;
  uv_write_t write_req_;
  ByteBuffer pending_input_;
  ByteBuffer output_;
  ByteBuffer writing_;
  resp::RequestParser parser_;
  resp::ReplyBuilder reply_;
  Client client_;
  // The blocked command's timeout timer (allocated on first use; closed with the connection).
  uv_timer_t* block_timer_ = nullptr;
  bool reading_ = false;
  bool read_into_shared_ = false;
  bool write_in_flight_ = false;
  bool closing_ = false;
  // Messages were written and FlushMessages is due.
  bool messages_pending_ = false;
  // When pending output first passed its class's soft limit (Unix ms), 0 while under it.
  int64_t soft_limit_since_ms_ = 0;
  // Complete requests wait in pending_input_ until the output drains below the high-water mark.
  bool input_held_back_ = false;
  // The reply buffers' allocation as last published (a change counts an expand or a shrink).
  size_t published_reply_capacity_ = 0;
  // CLIENT LIST's rbp: the most reply bytes a flush found since reply_peak_since_ms_.
  size_t reply_peak_ = 0;
  int64_t reply_peak_since_ms_ = 0;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_CONNECTION_H_
