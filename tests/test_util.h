// Helpers shared by the GoogleTest files.
#ifndef PBIT_TESTS_TEST_UTIL_H
#define PBIT_TESTS_TEST_UTIL_H

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "dp/dp_params.h"
#include "status.h"
}

namespace pbit_test {

// The `small` accelerator (configs/accel/small.yaml) as a struct, for tests
// that need a valid configuration without reading the file.
inline pbit_dp_params_t SmallAccel() {
  pbit_dp_params_t p{};
  std::snprintf(p.name, sizeof(p.name), "small");
  p.lanes = 16;
  p.weight_bits = 16;
  p.acc_bits = 24;
  p.dac_bits = 8;
  p.scan_bits = 32;
  p.fifo_depth = 16;
  p.max_inputs = 1024;
  p.max_units = 1024;
  p.clock_ns = 2.0;
  return p;
}

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

// What a malformed-corpus file must produce: an error at line:col whose
// message contains text (the key path or a word).
struct CorpusExpect {
  int line = 0;
  int col = 0;
  std::string text;
};

// "# expect: L:C text" from the file's first line, or from <file>.expect for
// files that cannot hold a comment (empty, binary).
inline bool ReadCorpusExpect(const std::string &path, CorpusExpect *e) {
  std::ifstream side(path + ".expect");
  std::ifstream self(path, std::ios::binary);
  std::string first;
  if (!std::getline(side.is_open() ? side : self, first)) return false;
  const std::string tag = "# expect: ";
  if (first.compare(0, tag.size(), tag) != 0) return false;
  std::istringstream in(first.substr(tag.size()));
  char colon = 0;
  in >> e->line >> colon >> e->col;
  std::getline(in >> std::ws, e->text);
  return colon == ':' && e->line > 0 && e->col > 0 && !e->text.empty();
}

// The .yaml files of dir whose names start with prefix, sorted.
inline std::vector<std::string> CorpusFiles(const std::string &dir, const std::string &prefix) {
  std::vector<std::string> out;
  DIR *d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent *ent = readdir(d)) {
    std::string name = ent->d_name;
    if (name.compare(0, prefix.size(), prefix) == 0 && name.size() > 5 &&
        name.compare(name.size() - 5, 5, ".yaml") == 0)
      out.push_back(dir + "/" + name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pbit_test

#define PBIT_REPO_PATH(rel) ::pbit_test::RepoPath(__FILE__, (rel))

#endif  // PBIT_TESTS_TEST_UTIL_H
