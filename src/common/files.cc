#include "common/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nca {

Result<std::string> ReadWholeFile(const std::string& path, std::string_view what) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    int err = errno;
    return MakeError(ErrorKind::kInvalidArgument,
                     path + ": cannot open " + std::string(what) + ": " + std::strerror(err));
  }
  std::string text;
  char buf[8192];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), file)) > 0) {
    text.append(buf, n);
  }
  int read_err = std::ferror(file) != 0 ? errno : 0;
  std::fclose(file);
  if (read_err != 0) {
    return MakeError(ErrorKind::kInvalidArgument,
                     path + ": cannot read " + std::string(what) + ": " + std::strerror(read_err));
  }
  return text;
}

}  // namespace nca
