#pragma once
// The one compiler workaround: Boost 1.74's Asio coroutine headers use std::exchange without
// including <utility>, which GCC 12's standard library no longer brings in through other
// headers. Every target that uses Asio gets this header first (asio_system in the top-level
// CMakeLists.txt passes `-include`), so no source has to remember the order.
#include <utility>
