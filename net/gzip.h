// Gunzip: decodes a `Content-Encoding: gzip` request body with zlib, stopping as soon as the
// decoded size would pass the body limit (so a small bomb cannot make the server allocate more
// than the limit). Pure function; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "log/result.h"

namespace tally::net {

// kOutOfRange when the decoded body exceeds `decoded_bytes_max` (413); kInvalidArgument when
// `compressed` is not one complete gzip stream (400).
Result<std::string> Gunzip(std::string_view compressed, std::size_t decoded_bytes_max);

}  // namespace tally::net
