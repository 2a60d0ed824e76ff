// How the frontend answers a call that the store thread served: only once everything the store
// thread wrote so far is durable (persistence/durability.h: a group commit holds replies until
// its batch is committed), so no client sees a change that a crash could take back. A batch that
// failed to commit turns the answer into its Unavailable error.
//
// Call on the store thread only (where the Durability lives).
#pragma once

#include <grpcpp/grpcpp.h>

#include "frontend/errors.h"
#include "persistence/durability.h"

namespace hdo::frontend {

inline void FinishDurable(persistence::Durability* durability, grpc::ServerUnaryReactor* reactor,
                          grpc::Status status) {
  durability->AfterDurable([reactor, status = std::move(status)](hugo::Result<hugo::Unit> durable) {
    reactor->Finish(durable.IsSuccess() ? status : ToGrpcStatus(durable.Error()));
  });
}

}  // namespace hdo::frontend
