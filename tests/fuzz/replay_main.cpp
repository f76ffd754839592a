// Replays saved inputs through a libFuzzer target without libFuzzer: every file named on the
// command line (every regular file, for a directory) goes once through
// LLVMFuzzerTestOneInput. Linked with the ordinary (GCC, Release or sanitizer) build of the
// code, so the committed corpus and every crash input kept in it run as a regression test in
// the normal suite. A target reports a broken invariant by aborting, which fails the test.
// Single-threaded; runs in its own process.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool replay(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
  // A copy of exactly `size` bytes, so that a read past the end is caught by ASan.
  std::vector<uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (fs::is_directory(arg)) {
      for (const auto& e : fs::directory_iterator(arg)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no inputs; usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  std::sort(files.begin(), files.end());
  size_t replayed = 0;
  for (const auto& f : files) {
    if (!replay(f)) return 1;
    ++replayed;
  }
  std::printf("replay: %zu inputs, no failure\n", replayed);
  return 0;
}
