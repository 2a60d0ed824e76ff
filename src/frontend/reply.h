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

// `Call` is anything finished by `Finish(grpc::Status)` from any thread: an AsyncUnary call
// (frontend/async_unary.h).
template <class Call>
void FinishDurable(persistence::Durability* durability, Call* call, grpc::Status status) {
  durability->AfterDurable([call, status = std::move(status)](hugo::Result<hugo::Unit> durable) {
    call->Finish(durable.IsSuccess() ? status : ToGrpcStatus(durable.Error()));
  });
}

}  // namespace hdo::frontend
