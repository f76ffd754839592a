#pragma once
// One mutation of the admin state, as a value: what the write path commits to the store and
// then applies to the routing table and the SIP directory (write_path.hpp).
#include <string>
#include <vector>

#include "store/import_job.hpp"
#include "store/records.hpp"

namespace gw::admin {

struct ChangeSet {
  // Shared state: what every node of a cluster would see.
  std::vector<store::Provider> providersPut;  // added, or replaced whole
  std::vector<std::string> providersRemoved;  // ids; their numbers go in numbersRemoved
  std::vector<store::Agent> agentsPut;        // added, or replaced whole
  std::vector<std::string> agentsRemoved;     // ids; their links go in numbersChanged first
  // New numbers. Each claims its SID and its E.164 number: the build function checks that
  // both are free in the view it was given, and the store refuses a second claim.
  std::vector<store::PhoneNumber> numbersAdded;
  std::vector<store::PhoneNumber> numbersChanged;  // replaced whole (links, caller IDs)
  std::vector<store::PhoneNumber> numbersRemoved;  // whole records: their routes go too

  // Entries of this node's attachment journal (attach_journal.hpp) that the change settles:
  // the numbers an import stores leave the journal in the commit that stores them.
  struct Journal {
    std::string providerId;
    std::vector<std::string> sids;
  };
  std::vector<Journal> unjournaled;

  // Import jobs (store/import_job_table.hpp): a job created with its SIDs, or its progress
  // recorded in the commit that stores the numbers of the chunk it counts (so a crash cannot
  // separate the two), or its state changed.
  struct ImportJobWrite {
    store::ImportJob job;                       // replaced whole
    std::vector<std::string> sids;              // a new job: all of its SIDs, in request order
    std::vector<store::ImportJobError> errors;  // the chunk's, numbered on from firstError
    uint64_t firstError = 0;
  };
  std::vector<ImportJobWrite> importJobs;
  // Providers' latest verifications (store/verification_table.hpp), added or replaced whole;
  // a removed provider's goes with it.
  std::vector<store::Verification> verificationsPut;

  bool empty() const {
    return providersPut.empty() && providersRemoved.empty() && agentsPut.empty() &&
           agentsRemoved.empty() && numbersAdded.empty() && numbersChanged.empty() &&
           numbersRemoved.empty() && unjournaled.empty() && importJobs.empty() &&
           verificationsPut.empty();
  }
  // Whether the SIP directory (agents, providers' addresses) changes.
  bool touchesDirectory() const {
    return !providersPut.empty() || !providersRemoved.empty() || !agentsPut.empty() ||
           !agentsRemoved.empty();
  }
};

}  // namespace gw::admin
