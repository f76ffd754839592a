#include "gateway/app.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/log.hpp"
#include "gateway/admin_metrics.hpp"
#include "gateway/auth.hpp"
#include "gateway/cluster_node.hpp"
#include "gateway/data_dir_lock.hpp"
#include "gateway/fd_budget.hpp"
#include "gateway/http/server.hpp"
#include "gateway/master_key.hpp"
#include "gateway/openapi_document.hpp"
#include "gateway/operability.hpp"
#include "gateway/sip_listener.hpp"
#include "gateway/store_errors.hpp"
#include "modules/admin/attach_journal.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/directory_sync.hpp"
#include "modules/admin/idempotency.hpp"
#include "modules/admin/local_write_path.hpp"
#include "modules/agents/agents_module.hpp"
#include "modules/import/import_module.hpp"
#include "sip/directory.hpp"
#include "sip/routing_table.hpp"
#include "sip/server.hpp"
#include "store/store.hpp"
#include "twilio/curl_client.hpp"
#include "twilio/twilio_client.hpp"

namespace gw::gateway {
namespace asio = boost::asio;

namespace {

// The control thread's io_context. Its own destructor destroys the handlers still queued,
// coroutine frames among them, but only after every object declared after it is gone, so a
// frame's destructors (a claim released, a runner forgotten) would touch freed services.
// destroyPending() does that destruction early, while they are alive.
class ControlLoop : public boost::asio::io_context {
 public:
  using boost::asio::io_context::io_context;
  void destroyPending() { shutdown(); }
};

struct PendingWorkFirst {
  ControlLoop& io;
  ~PendingWorkFirst() { io.destroyPending(); }
};

log::Level levelOf(const std::string& name) {
  if (name == "debug") return log::Level::kDebug;
  if (name == "warn") return log::Level::kWarn;
  if (name == "error") return log::Level::kError;
  return log::Level::kInfo;
}

// The configured tokens: checked before anything is written, so a bad one is exit 2.
bool loadTokens(const Config& config, TokenAuth& auth) {
  if (!config.tokensFile.empty()) {
    if (auto r = auth.loadFile(config.tokensFile); !r) {
      log::error("gatewayd", r.error().message);
      return false;
    }
    log::info("gatewayd", "loaded ", auth.size(), " admin tokens from ", config.tokensFile);
  }
  if (!config.adminToken.empty()) {
    if (auto r = auth.addDistinct(config.adminToken, "default", "GATEWAY_ADMIN_TOKEN"); !r) {
      log::error("gatewayd", r.error().message);
      return false;
    }
  }
  return true;
}

// With no token configured, the one in <data-dir>/admin-token (created on first start).
bool setUpAuth(const Config& config, TokenAuth& auth) {
  if (auth.size() == 0) {
    auto r = loadOrCreateTokenFile(config.dataDir);
    if (!r) {
      log::error("gatewayd", r.error().message);
      return false;
    }
    auth.add(r->first, "default");
    log::info("gatewayd",
              r->second ? "generated an admin token for org 'default' in "
                        : "using the admin token for org 'default' in ",
              config.dataDir, "/admin-token");
  }
  return true;
}

// A cluster node's store is the cluster's replica: one that holds a single node's registry
// (never synced with a cluster) would have it replaced by the cluster's at the first sync.
std::optional<std::string> singleNodeRegistry(const store::Store& db, const std::string& dataDir) {
  auto txn = db.read();
  if (db.clusterRevision(txn) != 0) return std::nullopt;
  const size_t providers = db.listAllProvidersWithoutTokens(txn).size();
  const size_t agents = db.listAllAgents(txn).size();
  if (providers == 0 && agents == 0) return std::nullopt;
  return "the data directory " + dataDir + " holds a single node's registry (" +
         std::to_string(providers) + " providers, " + std::to_string(agents) +
         " agents) and has never been part of a cluster: as a cluster node it would be "
         "replaced by the cluster's registry. Start this node with an empty --data-dir (and "
         "import its numbers through the cluster), or without --etcd-endpoints to keep using it "
         "as a single node.";
}

}  // namespace

int runGateway(const Config& config) {
  log::setLevel(levelOf(config.logLevel));
  log::setFormat(config.logFormat == "json" ? log::Format::kJson : log::Format::kText);

  // Every setting is checked before a token file is written, the store is opened or a
  // port is bound: a mistyped flag fails fast and leaves nothing half started.
  auto sipOptions = sipServerOptions(config);
  if (!sipOptions) {
    log::error("gatewayd", sipOptions.error().message);
    return kExitBadSetting;
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config.adminListen.host, ec);
  if (ec) {
    log::error("gatewayd", "admin listen address '", config.adminListen.host,
               "' is not an IP address");
    return kExitBadSetting;
  }

  // Before the first line is logged: from there on a SIGTERM or SIGINT is held until the
  // loop runs and stops gatewayd cleanly, however far start-up has come. (Installed after
  // start-up, a signal in between killed the process outright.)
  ControlLoop io(1);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::signal(SIGPIPE, SIG_IGN);

  // Before any descriptor is taken for a connection; the caps follow from the limit.
  const DescriptorBudget fdBudget = budgetFor(raiseDescriptorLimit(), config);
  log::info("gatewayd", describe(fdBudget));
  http::ServerOptions adminOptions;
  apply(fdBudget, adminOptions, *sipOptions);
  adminOptions.accessLog = true;
  // An import job carries up to 100,000 SIDs.
  adminOptions.largeBody = import::takesJobBody;
  adminOptions.largeBodyBytes = import::kMaxJobBodyBytes;
  adminOptions.callerField = "org";
  adminOptions.callerOf = [](const http::Request& req) -> std::string_view {
    return admin::orgOf(req);
  };

  TokenAuth auth;
  if (!loadTokens(config, auth)) return kExitBadSetting;
  // Before the store is opened or a token file written: a second gatewayd on the same
  // directory would keep its own routing table and diverge from the first.
  auto dataDirLock = DataDirLock::acquire(config.dataDir);
  if (!dataDirLock) {
    log::error("gatewayd", dataDirLock.error().message);
    return kExitDataDir;
  }
  if (!setUpAuth(config, auth)) return kExitDataDir;

  auto masterKey = loadMasterKey(config);
  if (!masterKey) {
    log::error("gatewayd", masterKey.error().message);
    return kExitMasterKey;
  }
  std::unique_ptr<store::Store> db;
  try {
    store::StoreOptions so;
    so.syncOnCommit = config.storeSync;
    so.mapSizeBytes = config.storeMapSizeBytes;
    so.secrets = *masterKey;
    db = store::Store::open(config.dataDir, so);
  } catch (const store::SecretError& e) {
    log::error("gatewayd", e.what(), ". Is ", masterKeyPath(config),
               " the master key file this data directory was written with?");
    return kExitMasterKey;
  } catch (const std::exception& e) {
    log::error("gatewayd", "cannot open the store in ", config.dataDir, ": ", e.what());
    return kExitDataDir;
  }

  if (config.clustered()) {
    if (auto why = singleNodeRegistry(*db, config.dataDir)) {
      log::error("gatewayd", *why);
      return kExitDataDir;
    }
  }

  sip::RoutingTable routes;
  bool routesLoaded = false;

  // Each request in flight to Twilio is one HTTP/1.1 connection: curl may open as many per
  // host as one account's bound can reach, within the total kept for Twilio, so that the
  // bound, not curl's queue, decides what is in flight.
  twilio::CurlOptions curlOptions;
  curlOptions.maxHostConnections = static_cast<long>(std::clamp<size_t>(
      config.effectiveTwilioMaxConcurrency(), static_cast<size_t>(curlOptions.maxHostConnections),
      static_cast<size_t>(curlOptions.maxTotalConnections)));
  twilio::CurlClient curl(io, curlOptions);
  twilio::TwilioConfig tc;
  tc.apiUrl = config.twilioApiUrl;
  tc.trunkingUrl = config.twilioTrunkingUrl;
  tc.concurrency = config.twilioConcurrency;
  tc.maxConcurrency = config.effectiveTwilioMaxConcurrency();
  tc.maxAttempts = config.twilioMaxAttempts;
  tc.requestTimeout = std::chrono::milliseconds(config.twilioTimeoutMs);
  twilio::TwilioClient twilioClient(io, curl, tc);

  sip::DirectoryHolder directory;
  admin::DirectorySync directorySync(io, *db, directory, config.sipTrustedCidrs);
  // The one write path: every admin change is committed, routed and published through it;
  // on a cluster node, through etcd and this node's replica of it.
  admin::LocalWritePath localWrites(*db, routes, directorySync);
  std::unique_ptr<ClusterNode> clusterNode;
  if (config.clustered()) {
    clusterNode =
        std::make_unique<ClusterNode>(io, config, *db, routes, directorySync, twilioClient);
  }
  admin::WritePath& writes = clusterNode ? clusterNode->writes() : localWrites;
  admin::AttachJournal attachJournal(*db);
  admin::LocalIdempotencyStore localIdempotency(*db);
  admin::Idempotency idempotency(clusterNode ? clusterNode->idempotency() : localIdempotency);
  size_t routed = clusterNode ? clusterNode->load() : localWrites.load();
  routesLoaded = true;
  log::info("gatewayd", "routing table rebuilt: ", routed, " numbers");
  // Agents named by host name: resolved now (without blocking) and again every few
  // minutes, since DNS answers change.
  asio::co_spawn(io, directorySync.refreshEvery(std::chrono::minutes(5)), asio::detached);

  http::Router router;
  router.setErrorMapper(storeErrorResponse);
  router.add("GET", "/healthz", [](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::json(200, R"({"status":"ok"})");
  });
  std::unique_ptr<sip::Server> sipServer;  // started once the admin listener is up
  router.add("GET", "/api/v1/sip/stats",
             [&sipServer](http::Request&) -> asio::awaitable<http::Response> {
               if (!sipServer) co_return http::Response::problem(503, "SIP is not running");
               co_return http::Response::json(200, sipStatsJson(sipServer->stats()));
             });
  sip::ProxyOptions sipSelf;  // filled once the SIP listener is bound, before io.run()
  const admin::Context moduleContext{
      io,     *db,           routes,   twilioClient, config.effectivePublicSipUri(), directorySync,
      writes, attachJournal, &sipSelf, &idempotency};
  import::ImportOptions importOptions;
  importOptions.deadline = std::chrono::milliseconds(config.importDeadlineMs);
  import::ImportJobOptions jobOptions;
  jobOptions.chunkSize = config.importJobChunk;
  import::ImportModule importModule(moduleContext, importOptions, jobOptions,
                                    std::chrono::milliseconds(config.verifyIntervalMs));
  importModule.registerRoutes(router);
  // Runs once io.run() starts: SIP and the admin API do not wait for Twilio.
  importModule.startJournalSweep();
  importModule.resumeImportJobs();
  agents::AgentsModule agentsModule(moduleContext);
  agentsModule.registerRoutes(router);
  if (clusterNode) {
    clusterNode->registerRoutes(router);
    clusterNode->start();  // runs once io.run() starts
    // Every node would otherwise ask Twilio about every provider, and write the result.
    importModule.startVerification([&clusterNode] { return clusterNode->leading(); });
  } else {
    registerSingleNodeRoute(router, config);
    importModule.startVerification();
  }
  // The API's description, public like /healthz: it holds no org's data.
  router.add("GET", "/api/v1/openapi.json", [](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::json(200, std::string(openApiDocument()));
  });
  auth.allowWithoutToken("/api/v1/openapi.json");
  auth.restrictToOrgs("/metrics", config.metricsOrgs,
                      "This token's org may not read /metrics: it covers every org. Use a token "
                      "of an org that gatewayd's --metrics-orgs names (by default 'default', "
                      "the org of GATEWAY_ADMIN_TOKEN and of the generated admin token).");

  AdminMetrics adminMetrics;
  registerOperability(
      router, OperabilitySources{MetricsSources{adminMetrics, importModule.metrics(), twilioClient,
                                                routes, *db, sipServer},
                                 routesLoaded,
                                 clusterNode ? std::function<WriteReadiness()>([&clusterNode] {
                                   return clusterNode->writeReadiness();
                                 })
                                             : std::function<WriteReadiness()>()});

  http::Server server(io, router, adminOptions);
  server.setFilter([&auth](http::Request& req) { return auth.check(req); });
  server.setObserver([&adminMetrics](const http::Request& req, std::string_view route, int status,
                                     std::chrono::steady_clock::duration took) {
    adminMetrics.record(req.method, route, status, took);
  });

  ec = server.listen({address, config.adminListen.port});
  if (ec) {
    log::error("gatewayd", "cannot listen on ", config.adminListen.text(), ": ", ec.message());
    return kExitCannotListen;
  }
  auto bound = server.localEndpoint();
  log::info("gatewayd", "admin listening on http://", bound.address().to_string(), ":",
            bound.port());

  auto routeKey = loadOrCreateRouteKey(config.dataDir);
  if (!routeKey) {
    log::error("gatewayd", routeKey.error().message);
    return 1;
  }
  sipOptions->routeKey = routeKey->first;
  if (routeKey->second) {
    log::info("gatewayd", "generated the Record-Route key in ", config.dataDir, "/sip-route-key");
  }
  sipServer = std::make_unique<sip::Server>(routes, directory, *sipOptions);
  if (auto sipEc = sipServer->start()) {
    log::error("gatewayd", "cannot listen for SIP on ", config.sipListen.text(), ": ",
               sipEc.message());
    return kExitCannotListen;
  }
  sipSelf = sipServer->proxyOptions();
  std::string sipHost = sipServer->address().to_string();
  log::info("gatewayd", "sip listening on udp://", sipHost, ":", sipServer->port(), " and tcp://",
            sipHost, ":", sipServer->port());
  log::info("gatewayd", "sip workers: ", sipOptions->workers,
            ", trusted CIDRs: ", config.sipTrustedCidrs.size());

  signals.async_wait([&](const boost::system::error_code& e, int signo) {
    if (e) return;
    log::info("gatewayd", "signal ", signo, ": finishing in-flight requests");
    importModule.stopVerification();
    sipServer->stop();  // joins the SIP workers: no call is routed from here on
    auto finish = [&] {
      server.stop([&] {
        curl.shutdown();
        io.stop();
      });
    };
    if (!clusterNode) return finish();
    // Leaves the cluster first (bounded by etcd's request timeout), so leadership and the
    // node's membership move at once rather than when its lease runs out.
    asio::co_spawn(io, clusterNode->stop(), [finish](std::exception_ptr) { finish(); });
  });

  // Declared last, so destroyed first: the coroutines still pending when the loop stops
  // (imports, import jobs, verifications, the journal sweep) are destroyed while the services
  // their frames point into still exist.
  const PendingWorkFirst pendingFirst{io};
  io.run();
  log::info("gatewayd", "stopped");
  return kExitStopped;
}

}  // namespace gw::gateway
