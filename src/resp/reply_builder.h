// Writes replies in RESP2 or RESP3 into a connection's reply buffer.
//
// Command handlers describe a reply by its shape (a map, a set, a double, a null) and the builder
// spells it in the protocol the connection negotiated with HELLO: RESP3 types degrade to their
// RESP2 equivalents exactly as Redis degrades them. Not thread-safe; one builder per connection.
#ifndef STRATA_RESP_REPLY_BUILDER_H_
#define STRATA_RESP_REPLY_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/byte_buffer.h"
#include "common/error_stats.h"

namespace strata::resp {

class ReplyBuilder {
 public:
  // `out` is owned by the caller and must outlive the builder.
  explicit ReplyBuilder(ByteBuffer* out) : out_(out) {}

  // Where error replies are counted by code (INFO errorstats); not owned. None by default.
  void set_error_stats(ErrorStats* stats) { error_stats_ = stats; }

  // 2 or 3.
  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  bool resp3() const { return protocol_ == 3; }

  void Ok() { out_->Append("+OK\r\n", 5); }
  // "+text". REQUIRES: text has no CR or LF.
  void Simple(std::string_view text);
  // "-text". CR and LF inside `text` become spaces, as Redis does, so the reply stays one line.
  void Error(std::string_view text);
  void Integer(int64_t value);
  void Bulk(std::string_view value);
  // A missing value: "$-1" in RESP2, "_" in RESP3.
  void Null();
  // A missing array (BLPOP timeout, EXEC abort): "*-1" in RESP2, "_" in RESP3.
  void NullArray();
  void ArrayHeader(size_t count);
  // A map of `pairs` key/value pairs: "%" in RESP3, a flat array of 2*pairs in RESP2.
  void MapHeader(size_t pairs);
  // "~" in RESP3, an array in RESP2.
  void SetHeader(size_t count);
  // ">" in RESP3, an array in RESP2 (pub/sub messages).
  void PushHeader(size_t count);
  // "," in RESP3; in RESP2 a bulk string of printf's "%.17g" ("inf" / "-inf" for infinities).
  void Double(double value);
  // "#t"/"#f" in RESP3, ":1"/":0" in RESP2.
  void Bool(bool value);
  // "(" in RESP3, a bulk string in RESP2.
  void BigNumber(std::string_view digits);
  // "=" with a 3-letter format ("txt") in RESP3, a bulk string in RESP2.
  void Verbatim(std::string_view text, std::string_view format = "txt");
  // Bytes already in RESP form.
  void Raw(std::string_view bytes) { out_->Append(bytes); }

  // For replies whose element count is known only after producing the elements: reserve the
  // header's place, write the elements, then fill the header in. The handle is an offset into
  // the buffer, valid until the buffer is drained.
  size_t BeginDeferredArray() { return out_->size(); }
  void EndDeferredArray(size_t handle, size_t count) { InsertHeader(handle, '*', count); }
  size_t BeginDeferredMap() { return out_->size(); }
  void EndDeferredMap(size_t handle, size_t pairs);
  size_t BeginDeferredSet() { return out_->size(); }
  void EndDeferredSet(size_t handle, size_t count) { InsertHeader(handle, resp3() ? '~' : '*', count); }

  ByteBuffer* buffer() { return out_; }
  // Error replies written so far (the dispatcher counts failed calls with it).
  size_t errors() const { return errors_; }

 private:
  void Header(char type, size_t count);
  void InsertHeader(size_t handle, char type, size_t count);

  ByteBuffer* out_;
  int protocol_ = 2;
  size_t errors_ = 0;
  ErrorStats* error_stats_ = nullptr;
};

}  // namespace strata::resp

#endif  // STRATA_RESP_REPLY_BUILDER_H_
