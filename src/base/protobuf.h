/* The Protocol Buffers wire format, encoding only: what writing ONNX
 * models (onnx/onnx.proto, a proto2 schema) takes, on an fmnist__writer.
 *
 * A field is a key (field number << 3 | wire type) then its value:
 * varint (type 0: int32, int64, enum), 32-bit little-endian (type 5:
 * float) or length-delimited (type 2: string, bytes, a nested message, a
 * packed repeated scalar). A nested message or a packed list is opened
 * with fmnist__pb_begin, written, and closed with fmnist__pb_end, which
 * puts its length in front of it (one byte is reserved; a longer length
 * moves the contents once). Fields may come in any order and repeated
 * ones may be interleaved with others: parsers keep each repeated field's
 * own order. Packed lists are read by every proto2 parser (protobuf 2.3
 * and later) although onnx.proto does not declare them packed. Errors
 * (out of memory) are the writer's sticky status. */
#ifndef FMNIST_SRC_BASE_PROTOBUF_H
#define FMNIST_SRC_BASE_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

#include "base/writer.h"

/* Field `field` as a varint: int32, int64 (a negative value takes ten
 * bytes, two's complement, as protobuf's int64) or enum. */
void fmnist__pb_int(fmnist__writer *w, uint32_t field, int64_t v);
/* Field `field` as a float (wire type 5). */
void fmnist__pb_float(fmnist__writer *w, uint32_t field, float v);
/* Field `field` as bytes or a string (s: NUL-terminated). */
void fmnist__pb_bytes(fmnist__writer *w, uint32_t field, const void *v, size_t n);
void fmnist__pb_string(fmnist__writer *w, uint32_t field, const char *s);
/* Field `field` as bytes whose n bytes the caller writes next (the
 * little-endian floats of a tensor, written straight from the model). */
void fmnist__pb_bytes_head(fmnist__writer *w, uint32_t field, size_t n);

/* Opens field `field` as a nested message or a packed list; returns the
 * mark that fmnist__pb_end takes. */
size_t fmnist__pb_begin(fmnist__writer *w, uint32_t field);
void fmnist__pb_end(fmnist__writer *w, size_t mark);
/* Elements of an open packed list: a varint (int64 as fmnist__pb_int),
 * or a float. */
void fmnist__pb_packed_int(fmnist__writer *w, int64_t v);
void fmnist__pb_packed_float(fmnist__writer *w, float v);

#endif
