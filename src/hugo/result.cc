#include "hugo/result.h"

#include <cxxabi.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <typeinfo>

namespace hugo {
namespace {

// Adds error.name/error.description/error.category when the code is a well-known one.
void AddDescriptor(Metadata& metadata, std::string_view code) {
  std::optional<ErrorDescriptor> descriptor = TryGetDescriptor(code);
  if (!descriptor) {
    for (const char* key : {"error.name", "error.description", "error.category"}) {
      metadata.erase(key);
    }
    return;
  }
  metadata.insert_or_assign("error.name", std::string(descriptor->name));
  metadata.insert_or_assign("error.description", std::string(descriptor->description));
  metadata.insert_or_assign("error.category", std::string(CategoryName(descriptor->category)));
}

std::string Demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = (status == 0 && demangled != nullptr) ? demangled : name;
  std::free(demangled);
  return out;
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

Error Error::From(std::string message, std::string code) {
  Body body{std::move(message), std::move(code), {}, {}};
  AddDescriptor(body.metadata, body.code);
  return Error(std::make_shared<const Body>(std::move(body)));
}

Error Error::Canceled(std::string message) {
  return From(message.empty() ? "Operation was canceled." : std::move(message),
              std::string(ErrorCodes::kCanceled));
}

Error Error::Timeout(std::optional<Duration> duration, std::string message) {
  Error error = From(message.empty() ? "The operation timed out." : std::move(message),
                     std::string(ErrorCodes::kTimeout));
  return duration ? error.WithMetadata("duration", *duration) : error;
}

Error Error::Unspecified(std::string message) {
  return From(message.empty() ? "An unspecified error occurred." : std::move(message),
              std::string(ErrorCodes::kUnspecified));
}

Error Error::Aggregate(std::string message, ErrorList errors) {
  return From(std::move(message), std::string(ErrorCodes::kAggregate))
      .WithMetadata("errors", std::move(errors));
}

Error Error::FromException(const std::exception& exception, std::string code) {
  return From(exception.what(),
              code.empty() ? std::string(ErrorCodes::kException) : std::move(code))
      .WithMetadata("exceptionType", Demangle(typeid(exception).name()));
}

Error Error::FromException(const std::exception_ptr& exception, std::string code) {
  try {
    if (exception) std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    return FromException(e, std::move(code));
  } catch (...) {
  }
  return From("An unknown exception was thrown.",
              code.empty() ? std::string(ErrorCodes::kException) : code)
      .WithMetadata("exceptionType", std::string("unknown"));
}

Error Error::WithMetadata(std::string key, MetadataValue value) const {
  Body body = *body_;
  body.metadata.insert_or_assign(std::move(key), std::move(value));
  return Error(std::make_shared<const Body>(std::move(body)));
}

Error Error::WithMetadata(const Metadata& entries) const {
  Body body = *body_;
  for (const auto& [key, value] : entries) body.metadata.insert_or_assign(key, value);
  return Error(std::make_shared<const Body>(std::move(body)));
}

Error Error::WithCode(std::string code) const {
  Body body = *body_;
  body.code = std::move(code);
  AddDescriptor(body.metadata, body.code);
  return Error(std::make_shared<const Body>(std::move(body)));
}

Error Error::WithCause(Error cause) const {
  Body body = *body_;
  body.cause = std::make_shared<const Error>(std::move(cause));
  return Error(std::make_shared<const Body>(std::move(body)));
}

std::optional<MetadataValue> Error::TryGetMetadata(std::string_view key) const {
  auto it = body_->metadata.find(key);
  if (it == body_->metadata.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string Error::ToString() const {
  if (body_->code.empty()) {
    return body_->message;
  }
  return body_->code + ": " + body_->message;
}

}  // namespace hugo
