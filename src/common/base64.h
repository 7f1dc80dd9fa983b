// Base64 (RFC 4648 standard alphabet, padded), as HTTP Basic credentials use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nca {

// Decodes padded standard base64 strictly (Go's base64.StdEncoding): nullopt for characters
// outside the alphabet, a length that is not a multiple of 4, data after padding, or "".
std::optional<std::string> DecodeBase64(std::string_view in);

}  // namespace nca
