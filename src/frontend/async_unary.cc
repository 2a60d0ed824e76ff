#include "frontend/async_unary.h"

#include <pthread.h>

namespace hdo::frontend {

void RunCompletionQueue(grpc::ServerCompletionQueue* queue) {
  pthread_setname_np(pthread_self(), "hdo-grpc-cq");
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) static_cast<CompletionTag*>(tag)->Proceed(ok);
}

}  // namespace hdo::frontend
