#include "support/cli.hpp"

#include "support/test_env.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace immichbak::test {

namespace fs = std::filesystem;

cli_outcome run_cli(const std::string& args, const fs::path& scratch, const std::string& env) {
#ifdef IMMICHBAK_CLI_PATH
  require_cluster();
  fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  std::string ignored;
  int rc = run(fmt::format("( env {} {} {} >{} 2>{} )", env, shell_quote(IMMICHBAK_CLI_PATH), args,
                           shell_quote(out.string()), shell_quote(err.string())),
               &ignored);
  return {rc, slurp(out), slurp(err)};
#else
  (void)args, (void)scratch, (void)env;
  throw std::runtime_error("run_cli: the tests were built without the CLI (IMMICHBAK_BUILD_CLI=OFF)");
#endif
}

}  // namespace immichbak::test
