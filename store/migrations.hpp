#pragma once
// Schema migrations. Step v brings an environment at schema version v to version v + 1
// (version 0 is an empty environment). openSchema runs the steps it needs, in order, in
// the start-up write transaction: a failing step leaves the environment as it was.
//
// A step reads the records as the codec decodes them today, so the codec keeps reading
// every record format that a step may meet.
#include <lmdb.h>

#include <span>

namespace gw::store::migrations {

using Step = void (*)(MDB_txn* txn);

// Exactly Store::kSchemaVersion steps.
std::span<const Step> steps();

}  // namespace gw::store::migrations
