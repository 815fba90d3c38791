// Helpers shared by the GoogleTest files.
#ifndef PBIT_TESTS_TEST_UTIL_H
#define PBIT_TESTS_TEST_UTIL_H

#include <string>

extern "C" {
#include "status.h"
}

namespace pbit_test {

// A file of the source tree, `rel` to the repository root: found from the
// calling test file's path when the compiler gave an absolute one, else
// relative to the working directory (the Makefile runs tests from the root).
inline std::string RepoPath(const char *this_file, const std::string &rel) {
  const std::string file = this_file;
  const size_t at = file.rfind("tests/");
  return at == std::string::npos ? rel : file.substr(0, at) + rel;
}

// "file:line:col: msg" of an error record.
inline std::string Format(const pbit_error_t &err) {
  char buf[1024];
  pbit_error_format(&err, buf, sizeof(buf));
  return buf;
}

}  // namespace pbit_test

#define PBIT_REPO_PATH(rel) ::pbit_test::RepoPath(__FILE__, (rel))

#endif  // PBIT_TESTS_TEST_UTIL_H
