#pragma once
// Cursor paging over a sorted container (vector or set), with an optional filter.
// A page resumes strictly after (or before) the SID the token names, so pages stay
// correct while numbers are added and never need an offset scan of the whole list.
#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

namespace gw::emulator {

template <typename It>
struct PageSlice {
  std::vector<It> items;
  bool hasPrevious = false;  // a matching element exists before the first item
  bool hasNext = false;      // a matching element exists after the last item
};

// Skips `count` matching elements from `from` (offset paging without a token).
template <typename It, typename Match>
It skipMatches(It from, It end, size_t count, const Match& matches) {
  for (; from != end && count > 0; ++from) {
    if (matches(*from)) --count;
  }
  // Land on the next match so that "has previous" looks behind the skipped ones.
  while (from != end && !matches(*from)) ++from;
  return from;
}

template <typename It, typename Match>
bool anyMatchBefore(It begin, It pos, const Match& matches) {
  while (pos != begin) {
    --pos;
    if (matches(*pos)) return true;
  }
  return false;
}

template <typename It, typename Match>
bool anyMatchFrom(It pos, It end, const Match& matches) {
  for (; pos != end; ++pos) {
    if (matches(*pos)) return true;
  }
  return false;
}

// Up to `pageSize` matches starting at `start`, forwards.
template <typename It, typename Match>
PageSlice<It> pageForward(It begin, It end, It start, size_t pageSize, const Match& matches) {
  PageSlice<It> slice;
  It pos = start;
  for (; pos != end && slice.items.size() < pageSize; ++pos) {
    if (matches(*pos)) slice.items.push_back(pos);
  }
  slice.hasNext = anyMatchFrom(pos, end, matches);
  slice.hasPrevious = anyMatchBefore(begin, start, matches);
  return slice;
}

// Up to `pageSize` matches ending just before `stop`, in ascending order.
template <typename It, typename Match>
PageSlice<It> pageBackward(It begin, It end, It stop, size_t pageSize, const Match& matches) {
  PageSlice<It> slice;
  It pos = stop;
  while (pos != begin && slice.items.size() < pageSize) {
    --pos;
    if (matches(*pos)) slice.items.push_back(pos);
  }
  std::reverse(slice.items.begin(), slice.items.end());
  slice.hasPrevious = anyMatchBefore(begin, pos, matches);
  slice.hasNext = anyMatchFrom(stop, end, matches);
  return slice;
}

}  // namespace gw::emulator
