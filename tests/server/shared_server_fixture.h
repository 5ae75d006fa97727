// The gtest fixture of server test suites whose tests share one TestServer:
// started before the suite's first test, stopped after its last, reached
// through srv(). A suite derives from SharedServerTest<Suite>; one that needs
// another configuration defines `static app::ServerConfig suite_config()`
// (public), and one that must prepare something first (files, a directory)
// defines its own SetUpTestSuite/TearDownTestSuite around start_server and
// stop_server. Tests only; it must never hold state between suites.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "server_test_support.h"

namespace pg::test {

template <typename Suite>
class SharedServerTest : public ::testing::Test {
 public:
  // The configuration of the suite's server; a suite hides it with its own.
  static app::ServerConfig suite_config() { return test_server_config(); }

 protected:
  static void SetUpTestSuite() { start_server(Suite::suite_config()); }
  static void TearDownTestSuite() { stop_server(); }

  static void start_server(app::ServerConfig config) { server_ = std::make_unique<TestServer>(std::move(config)); }
  static void stop_server() { server_.reset(); }
  static TestServer& srv() { return *server_; }

 private:
  static inline std::unique_ptr<TestServer> server_;
};

}  // namespace pg::test
