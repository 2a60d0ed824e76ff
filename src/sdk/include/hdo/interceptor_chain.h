// The chain of interceptors around one call (worker and client interceptors alike): internal to
// the SDK, in a public header because the interceptor headers' users compile it.
//
// Owner: none (a function template). Thread safety: the chain it builds is as thread-safe as its
// interceptors.
#pragma once

#include <utility>

namespace hdo::internal {

// `last` wrapped by every interceptor's `method`, the first interceptor outermost (worker and
// client interceptors alike). The `next` each interceptor is given lives inside the returned
// function: keep that function as long as a coroutine an interceptor returned may still call
// its `next`.
template <class Next, class Interceptors, class Method>
Next InterceptorChain(const Interceptors& interceptors, Method method, Next last) {
  Next next = std::move(last);
  for (auto it = interceptors.rbegin(); it != interceptors.rend(); ++it) {
    auto interceptor = *it;  // a shared_ptr: the chain keeps its interceptors
    next = [interceptor, method, inner = std::move(next)](auto&&... args) {
      return ((*interceptor).*method)(std::forward<decltype(args)>(args)..., inner);
    };
  }
  return next;
}

// `call` through the interceptors' `method`s to `root`; straight to `root` without interceptors
// (no chain is built).
template <class Next, class Interceptors, class Method, class Call, class Root>
auto Intercepted(const Interceptors& interceptors, Method method, const Call& call, Root root) {
  if (interceptors.empty()) return root(call);
  return InterceptorChain<Next>(interceptors, method, Next(std::move(root)))(call);
}

}  // namespace hdo::internal
