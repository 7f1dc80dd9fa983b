// Command-line flags, kingpin/node_exporter conventions: `--flag=value` or `--flag value`,
// booleans `--flag` / `--no-flag` (or `--flag=true|false`), `-h/--help`, `--version`.
//
// Precedence: built-in defaults < the --config file < flags. The --neo4j.* flags override the
// file's `defaults:` section (so they apply to every cluster that does not set its own value),
// and clusters given with --cluster get those effective defaults too.
//
// Repeatable flags that name list entries (--cluster-spec, --kubernetes.cluster-resource,
// --rules.file, --alertmanager.url) add to the file's list (file entries first, duplicates
// dropped) rather than replace it; --rules.external-label NAME=VALUE replaces only the file's
// label NAME. Relative --rules.file patterns stay relative to the working directory (those of
// the file are made relative to the file's directory when it is loaded).
//
// Secrets are never taken from argv: there is deliberately no --neo4j.password (or --username)
// flag, and passing one fails with a message pointing at the file/environment sources. Error
// messages name the flag but never echo values of unknown or secret-looking flags. A URL with
// user info (--alertmanager.url=http://user:pass@host) is refused likewise: such URLs belong in
// the --config file.
//
// Pure apart from reading the --config file; the environment is reached only through the
// injected EnvLookup. Safe to call concurrently.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "config/loader.h"

namespace nca::config {

// Returns the value of an environment variable, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

struct ParsedFlags {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  // The final configuration for kRun (at least one cluster, unless clusters are still to be
  // read from Kubernetes custom resources); defaults for kHelp/kVersion.
  Config config;
  // The effective cluster defaults (file `defaults:` + --neo4j.* flags), for clusters added
  // later (custom resources read from the Kubernetes API at start-up).
  ClusterDefaults defaults;
  // Accepted oddities to log as warnings (e.g. a manifest's primaryCluster it does not list).
  std::vector<std::string> notes;
};

// Parses argv (argv[0] is the program name and ignored). For kRun, loads --config if given,
// applies the flags over it, adds the --cluster clusters and validates the result (zero
// clusters is an error). `env` is used to check that clusters reading credentials from
// environment variables have both or neither of the two variables set (values are never
// kept); an empty `env` skips that check. All errors are kInvalidArgument; the message names
// the flag (or file:line:col for errors in the --config file).
Result<ParsedFlags> ParseFlags(int argc, const char* const* argv, const EnvLookup& env);

// The --help text: every flag with its default and a one-line description, including each
// collector's --[no-]collector.NAME flag and whether it is enabled by default.
std::string HelpText();

// An EnvLookup backed by the process environment (std::getenv), for main().
EnvLookup ProcessEnvLookup();

}  // namespace nca::config
