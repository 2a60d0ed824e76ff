#include "frontend/async_unary.h"

#include <pthread.h>

namespace hdo::frontend {

void NameCompletionQueueThread(std::thread& thread) {
  pthread_setname_np(thread.native_handle(), "hdo-grpc-cq");
}

void RunCompletionQueue(grpc::ServerCompletionQueue* queue) {
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) static_cast<CompletionTag*>(tag)->Proceed(ok);
}

}  // namespace hdo::frontend
