// gatewayctl: the admin CLI of gatewayd. See docs/operations.md ("gatewayctl").
#include <curl/curl.h>

#include <iostream>

#include "ctl/commands.hpp"

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const int code = gw::ctl::runCli(argc, argv, std::cout, std::cerr);
  curl_global_cleanup();
  return code;
}
