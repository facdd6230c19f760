#!/usr/bin/env python3
"""Checks the packaging recipes without vcpkg or Conan (neither is installed here).

  manifests  vcpkg.json and ports/immichbak/vcpkg.json: valid JSON, the project's version,
             a dependency for every library the CMake build looks for
  portfile   configure the project with exactly the options ports/immichbak/portfile.cmake
             passes (read from it), plus those vcpkg_cmake_configure adds itself, and check
             that the install paths the portfile post-processes are the ones CMake installs to
  conan      conanfile.py compiles, and loaded with a stub `conan` module its version,
             options, requirements, CMake variables and package_info agree with the project

Usage: check_packaging.py SOURCE_DIR WORK_DIR {manifests|portfile|conan}... [--cmake CMAKE]
"""
import argparse
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import types

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg)


def ok(msg):
    print("ok:   " + msg)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def strip_cmake_comments(text):
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


# ---- what the CMake build looks for -------------------------------------------------------

# find_package / pkg_check_modules name -> (vcpkg port, ConanCenter package); None: not a
# package (CMake's own modules, the C library). A name missing here fails the check: add it
# to this table and to the recipes.
PACKAGES = {
    "PkgConfig": None,
    "Threads": None,
    "libpq": ("libpq", "libpq"),
    "libzstd": ("zstd", "zstd"),
    "libdeflate": ("libdeflate", "libdeflate"),
    "OpenSSL": ("openssl", "openssl"),
    "fmt": ("fmt", "fmt"),
    "nlohmann_json": ("nlohmann-json", "nlohmann_json"),
    "ZLIB": ("zlib", "zlib"),
    "CLI11": ("cli11", "cli11"),
    "Catch2": ("catch2", "catch2"),
}


def cmake_finds(path):
    """Names of the packages a CMake file looks for (find_package, pkg_check_modules)."""
    text = strip_cmake_comments(read(path))
    names = re.findall(r"find_package\(\s*([A-Za-z0-9_]+)", text)
    for args in re.findall(r"pkg_check_modules\(([^)]*)\)", text):
        words = args.split()[1:]  # the prefix first
        names += [w for w in words if w not in ("REQUIRED", "QUIET", "IMPORTED_TARGET", "GLOBAL",
                                                "NO_CMAKE_PATH", "NO_CMAKE_ENVIRONMENT_PATH")]
    return names


def project_facts(src):
    top = read(os.path.join(src, "CMakeLists.txt"))
    m = re.search(r"project\(\s*immichbak\s+VERSION\s+([0-9.]+)", top)
    version = m.group(1) if m else None
    options = set(re.findall(r"option\(\s*([A-Z0-9_]+)", top))
    lib = read(os.path.join(src, "libimmichbak", "CMakeLists.txt"))
    m = re.search(r"OUTPUT_NAME\s+([A-Za-z0-9_-]+)", lib)
    output_name = m.group(1) if m else None
    m = re.search(r"EXPORT_NAME\s+([A-Za-z0-9_-]+)", lib)
    export_name = m.group(1) if m else None
    static_define = "IMMICHBAK_STATIC_DEFINE" if "STATIC_DEFINE IMMICHBAK_STATIC_DEFINE" in lib else None
    inst = read(os.path.join(src, "cmake", "ImmichbakInstall.cmake"))
    m = re.search(r"NAMESPACE\s+([A-Za-z0-9_]+::)", inst)
    namespace = m.group(1) if m else None
    m = re.search(r'IMMICHBAK_CMAKE_DIR\s+"\$\{CMAKE_INSTALL_LIBDIR\}/([^"]+)"', inst)
    cmake_dir = "lib/" + m.group(1) if m else None
    m = re.search(r"/([A-Za-z0-9_]+)Config\.cmake\"", inst)
    config_name = m.group(1) if m else None
    m = re.search(r'"\$\{PROJECT_BINARY_DIR\}/([A-Za-z0-9_-]+)\.pc"', inst)
    pc_name = m.group(1) if m else None
    finds = {"library": cmake_finds(os.path.join(src, "cmake", "ImmichbakDependencies.cmake"))}
    for part, path in (("cli", "cli/CMakeLists.txt"), ("tests", "tests/CMakeLists.txt")):
        if os.path.exists(os.path.join(src, path)):
            finds[part] = cmake_finds(os.path.join(src, path))
    return dict(version=version, options=options, output_name=output_name, export_name=export_name,
                static_define=static_define, namespace=namespace, cmake_dir=cmake_dir,
                config_name=config_name, pc_name=pc_name, finds=finds)


def needed_packages(facts, which):
    """{part: set of package names (index 0 vcpkg, 1 conan)} for every dependency found."""
    out = {}
    for part, names in facts["finds"].items():
        pkgs = set()
        for n in names:
            if n not in PACKAGES:
                fail(f"{part}: CMake looks for '{n}', which tests/packaging/check_packaging.py does not "
                     "know: add it to PACKAGES and to vcpkg.json, ports/immichbak/vcpkg.json, conanfile.py")
                continue
            if PACKAGES[n]:
                pkgs.add(PACKAGES[n][which])
        out[part] = pkgs
    return out


# ---- 1. vcpkg manifests -------------------------------------------------------------------

def vcpkg_deps(entries):
    return {e if isinstance(e, str) else e["name"] for e in entries}


def check_manifests(src, facts):
    need = needed_packages(facts, 0)
    for rel in ("vcpkg.json", "ports/immichbak/vcpkg.json"):
        path = os.path.join(src, rel)
        try:
            manifest = json.loads(read(path))
        except (OSError, ValueError) as e:
            fail(f"{rel}: not valid JSON: {e}")
            continue
        ok(f"{rel} parses")
        if manifest.get("name") != "immichbak":
            fail(f"{rel}: name is {manifest.get('name')!r}, not 'immichbak'")
        if manifest.get("version") != facts["version"]:
            fail(f"{rel}: version {manifest.get('version')!r} != project version {facts['version']!r}")
        else:
            ok(f"{rel}: version {facts['version']} = project(VERSION)")
        base = vcpkg_deps(manifest.get("dependencies", []))
        features = {k: vcpkg_deps(v.get("dependencies", [])) for k, v in manifest.get("features", {}).items()}
        everything = base.union(*features.values())
        for part, pkgs in need.items():
            if part == "tests" and rel.startswith("ports/"):
                continue  # the port builds no tests
            # the library's dependencies must be unconditional; the tool's and the tests' may
            # come with a feature
            have = base if part == "library" else everything
            missing = sorted(pkgs - have)
            if missing:
                fail(f"{rel}: no dependency for {part} package(s) {missing}")
            else:
                ok(f"{rel}: covers the {part}'s dependencies {sorted(pkgs)}")
        if rel.startswith("ports/"):
            for host in ("vcpkg-cmake", "vcpkg-cmake-config"):
                if host not in base:
                    fail(f"{rel}: the portfile uses {host} but the port does not depend on it")


# ---- 2. the portfile ----------------------------------------------------------------------

def cmake_call(text, name):
    """The argument text of the first call of `name` (balanced parentheses)."""
    m = re.search(r"\b" + name + r"\s*\(", text)
    if not m:
        return None
    depth, i = 1, m.end()
    while depth and i < len(text):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return text[m.end():i - 1]


def cmake_words(args):
    return re.findall(r'"[^"]*"|[^\s"]+', args)


def portfile_facts(src):
    text = strip_cmake_comments(read(os.path.join(src, "ports", "immichbak", "portfile.cmake")))
    facts = {}
    features = {}
    feat = cmake_call(text, "vcpkg_check_features")
    if feat:
        words = cmake_words(feat)
        if "FEATURES" in words:
            pairs = words[words.index("FEATURES") + 1:]
            features = dict(zip(pairs[0::2], pairs[1::2]))
    facts["features"] = features
    conf = cmake_call(text, "vcpkg_cmake_configure")
    if conf is None:
        fail("portfile.cmake: no vcpkg_cmake_configure(...)")
        return None
    words = cmake_words(conf)
    opts, mode = [], None
    for w in words:
        if w in ("OPTIONS", "OPTIONS_RELEASE", "OPTIONS_DEBUG", "SOURCE_PATH", "MAYBE_UNUSED_VARIABLES"):
            mode = w
            continue
        if mode == "OPTIONS":
            opts.append(w.strip('"'))
        elif mode in ("OPTIONS_RELEASE", "OPTIONS_DEBUG", "MAYBE_UNUSED_VARIABLES"):
            fail(f"portfile.cmake: {mode} is not understood by this test; extend check_packaging.py")
    facts["options"] = opts
    fix = cmake_call(text, "vcpkg_cmake_config_fixup")
    m = re.search(r"CONFIG_PATH\s+(\S+)", fix or "")
    facts["config_path"] = m.group(1) if m else None
    m = re.search(r"PACKAGE_NAME\s+(\S+)", fix or "")
    facts["config_package"] = m.group(1) if m else "immichbak"
    tools = cmake_call(text, "vcpkg_copy_tools")
    m = re.search(r"TOOL_NAMES\s+((?:[A-Za-z0-9_.-]+\s*)+?)(?:AUTO_CLEAN|SEARCH_DIR|DESTINATION|$)", tools or "")
    facts["tools"] = m.group(1).split() if m else []
    facts["fixup_pkgconfig"] = "vcpkg_fixup_pkgconfig" in text
    facts["usage"] = read(os.path.join(src, "ports", "immichbak", "usage"))
    return facts


# What vcpkg_cmake_configure passes by itself (ports/vcpkg-cmake/vcpkg_cmake_configure.cmake)
# that changes what this project installs where, for a Linux triplet.
VCPKG_IMPLIED = [
    "-DCMAKE_INSTALL_LIBDIR:STRING=lib",
    "-DCMAKE_INSTALL_BINDIR:STRING=bin",
    "-DCMAKE_ERROR_ON_ABSOLUTE_INSTALL_DESTINATION=ON",
    "-DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON",
    "-DBUILD_SHARED_LIBS=OFF",   # the default triplet x64-linux is static
    "-DCMAKE_BUILD_TYPE=Release",
]


def installed_destinations(build_dir):
    """Install destinations (relative to the prefix) from the generated cmake_install.cmake files."""
    dests = set()
    for root, _, files in os.walk(build_dir):
        if "cmake_install.cmake" in files:
            text = read(os.path.join(root, "cmake_install.cmake"))
            for d in re.findall(r'file\(INSTALL DESTINATION "\$\{CMAKE_INSTALL_PREFIX\}/?([^"]*)"', text):
                dests.add(d)
    return dests


def check_portfile(src, work, facts, cmake):
    pf = portfile_facts(src)
    if pf is None:
        return
    # substitutions for the variables the portfile's OPTIONS may use
    pkg_config = shutil.which("pkg-config") or "pkg-config"
    feature_on = {"tools"}  # the test builds the library and the tool (c-binding: another test's)
    subst = {"PKGCONFIG": pkg_config, "SOURCE_PATH": src}
    options = []
    for o in pf["options"]:
        if o == "${FEATURE_OPTIONS}":
            for feat, var in pf["features"].items():
                options.append(f"-D{var}={'ON' if feat in feature_on else 'OFF'}")
            continue
        def repl(m):
            if m.group(1) not in subst:
                fail(f"portfile.cmake: option {o!r} uses ${{{m.group(1)}}}, unknown to this test")
                return m.group(0)
            return subst[m.group(1)]
        options.append(re.sub(r"\$\{([A-Za-z0-9_]+)\}", repl, o))
    for o in options:
        m = re.match(r"-D([A-Za-z0-9_]+)(?::[A-Z]+)?=", o)
        if m and m.group(1).startswith("IMMICHBAK_") and m.group(1) not in facts["options"]:
            fail(f"portfile.cmake: {m.group(1)} is not an option() of CMakeLists.txt")
    for feat, var in pf["features"].items():
        if var not in facts["options"]:
            fail(f"portfile.cmake: feature {feat} sets {var}, not an option() of CMakeLists.txt")
    build = os.path.join(work, "portfile-build")
    shutil.rmtree(build, ignore_errors=True)
    cmd = [cmake, "-S", src, "-B", build, "-G", "Ninja" if shutil.which("ninja") else "Unix Makefiles",
           f"-DCMAKE_INSTALL_PREFIX={os.path.join(work, 'portfile-prefix')}"] + VCPKG_IMPLIED + options
    print("configure: " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"configure with the portfile's options failed:\n{r.stdout}\n{r.stderr}")
        return
    ok("configures with the portfile's options: " + " ".join(options))
    if "Manually-specified variables were not used" in r.stderr:
        # vcpkg_cmake_configure reports the same as a warning in the port's build log
        unused = r.stderr[r.stderr.index("Manually-specified"):].split("\n\n")[1]
        names = [n.strip() for n in unused.splitlines() if n.strip()]
        ours = [n for n in names if n.startswith("IMMICHBAK_") or n == "PKG_CONFIG_EXECUTABLE"]
        if ours:
            fail(f"portfile.cmake passes options the project does not use: {ours}")
    dests = installed_destinations(build)
    print("install destinations: " + ", ".join(sorted(dests)))
    checks = []
    if pf["config_path"]:
        checks.append((pf["config_path"], "vcpkg_cmake_config_fixup(CONFIG_PATH)"))
        if pf["config_path"] != facts["cmake_dir"]:
            fail(f"portfile CONFIG_PATH {pf['config_path']} != the package config dir {facts['cmake_dir']}")
        if pf["config_package"] != facts["config_name"]:
            fail(f"portfile PACKAGE_NAME {pf['config_package']} != the config file's {facts['config_name']}Config.cmake")
    else:
        fail("portfile.cmake: no vcpkg_cmake_config_fixup(CONFIG_PATH ...)")
    if pf["fixup_pkgconfig"]:
        checks.append(("lib/pkgconfig", "vcpkg_fixup_pkgconfig()"))
    checks.append(("include/immichbak", "the headers vcpkg keeps in include/"))
    if pf["tools"]:
        checks.append(("bin", f"vcpkg_copy_tools(TOOL_NAMES {' '.join(pf['tools'])})"))
    for path, why in checks:
        if path in dests:
            ok(f"installs into {path} ({why})")
        else:
            fail(f"nothing is installed into {path}, which the portfile relies on ({why})")
    # vcpkg's post-build checks reject files outside these roots (after the portfile's cleanup)
    allowed = ("lib", "include", "bin", "share")
    for d in sorted(dests):
        if d.split("/")[0] not in allowed:
            fail(f"installs into {d}: not a path a vcpkg package may hold")
    for tool in pf["tools"]:
        cli = read(os.path.join(src, "cli", "CMakeLists.txt"))
        if f"OUTPUT_NAME {tool}" not in cli:
            fail(f"portfile tool {tool!r} is not the CLI's OUTPUT_NAME (cli/CMakeLists.txt)")
    target = f"{facts['namespace']}{facts['export_name']}"
    if target not in pf["usage"] or f"find_package({facts['config_name']}" not in pf["usage"]:
        fail(f"ports/immichbak/usage does not name find_package({facts['config_name']}) and {target}")
    else:
        ok(f"usage names find_package({facts['config_name']}) and {target}")


# ---- 3. conanfile.py ----------------------------------------------------------------------

class _Record:
    """A stand-in that accepts any call or attribute and remembers it."""
    def __init__(self, name, log):
        self._name, self._log = name, log

    def __getattr__(self, attr):
        return _Record(f"{self._name}.{attr}", self._log)

    def __call__(self, *args, **kwargs):
        self._log.append((self._name, args, kwargs))
        return _Record(f"{self._name}()", self._log)


class _Options:
    def __init__(self, values):
        self.__dict__["_values"] = dict(values)

    def __getattr__(self, name):
        if name not in self._values:
            raise AttributeError(f"option {name!r} is not defined")
        return self._values[name]

    def __setattr__(self, name, value):
        self._values[name] = value

    def __delattr__(self, name):
        del self._values[name]

    def rm_safe(self, name):
        self._values.pop(name, None)


class _Settings:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class _CppInfo:
    def __init__(self):
        self.properties, self.libs, self.defines, self.system_libs = {}, [], [], []

    def set_property(self, key, value):
        self.properties[key] = value


class _Conf:
    def __init__(self, values):
        self.values = values

    def get(self, name, default=None, check_type=None):
        return self.values.get(name, default)


def stub_conan(log):
    """A fake `conan` package with what conanfile.py imports."""
    mods = {}

    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        mods[name] = m
        return m

    class ConanFile:
        pass

    class ConanInvalidConfiguration(Exception):
        pass

    class CMakeToolchain:
        def __init__(self, conanfile):
            self.cache_variables, self.variables = {}, {}
            log.append(("CMakeToolchain", (), {}))
            conanfile._toolchains.append(self)

        def generate(self):
            log.append(("CMakeToolchain.generate", (), {}))

    def load(conanfile, path, encoding="utf-8"):
        return read(path)

    module("conan", ConanFile=ConanFile)
    module("conan.errors", ConanInvalidConfiguration=ConanInvalidConfiguration)
    module("conan.tools")
    module("conan.tools.build", check_min_cppstd=_Record("check_min_cppstd", log))
    module("conan.tools.cmake", CMake=_Record("CMake", log), CMakeDeps=_Record("CMakeDeps", log),
           CMakeToolchain=CMakeToolchain, cmake_layout=_Record("cmake_layout", log))
    module("conan.tools.env", Environment=_Record("Environment", log))
    module("conan.tools.files", copy=_Record("copy", log), load=load, rmdir=_Record("rmdir", log))
    module("conan.tools.gnu", PkgConfigDeps=_Record("PkgConfigDeps", log))
    return mods


def check_conan(src, work, facts):
    path = os.path.join(src, "conanfile.py")
    try:
        py_compile.compile(path, cfile=os.path.join(work, "conanfile.pyc"), doraise=True)
        ok("conanfile.py compiles")
    except py_compile.PyCompileError as e:
        fail(f"conanfile.py does not compile: {e}")
        return
    log = []
    saved = {k: sys.modules.get(k) for k in list(sys.modules) if k == "conan" or k.startswith("conan.")}
    sys.modules.update(stub_conan(log))
    try:
        namespace = {"__file__": path, "__name__": "conanfile"}
        exec(compile(read(path), path, "exec"), namespace)
    finally:
        for k in [k for k in sys.modules if k == "conan" or k.startswith("conan.")]:
            del sys.modules[k]
        sys.modules.update({k: v for k, v in saved.items() if v is not None})
    base = namespace["ConanFile"] if "ConanFile" in namespace else None
    recipes = [v for v in namespace.values() if isinstance(v, type) and base and issubclass(v, base) and v is not base]
    if len(recipes) != 1:
        fail(f"conanfile.py: expected one ConanFile subclass, found {len(recipes)}")
        return
    cls = recipes[0]
    if getattr(cls, "name", None) != "immichbak":
        fail(f"conanfile.py: name {getattr(cls, 'name', None)!r} != 'immichbak'")
    for opt in ("shared", "fPIC"):
        if opt not in cls.options or set(cls.options[opt]) != {True, False}:
            fail(f"conanfile.py: option {opt} must be [True, False]")
    for shared in (False, True):
        before = len(FAILURES)
        r = cls()
        r.recipe_folder = src
        r.source_folder = src
        r.package_folder = os.path.join(work, "conan-package")
        r.generators_folder = os.path.join(work, "conan-generators")
        r.settings = _Settings(os="Linux", arch="x86_64", compiler="gcc", build_type="Release")
        r.options = _Options(cls.default_options)
        r.options.shared = shared
        r.conf = _Conf({})
        r.cpp_info = _CppInfo()
        r._toolchains = []
        requires, tool_requires, test_requires = [], [], []
        r.requires = lambda ref, **kw: requires.append(ref)
        r.tool_requires = lambda ref, **kw: tool_requires.append(ref)
        r.test_requires = lambda ref, **kw: test_requires.append(ref)
        r.set_version()
        r.config_options()
        r.configure()
        r.requirements()
        r.build_requirements()
        r.validate()
        r.layout()
        r.generate()
        r.package_info()
        label = "shared" if shared else "static"
        if r.version != facts["version"]:
            fail(f"conanfile.py: version {r.version!r} != project version {facts['version']!r}")
        elif not shared:
            ok(f"conanfile.py: version {r.version} read from project(VERSION)")
        if shared and hasattr(r.options, "fPIC"):
            fail("conanfile.py: fPIC is not removed for a shared build")
        names = {ref.split("/")[0] for ref in requires}
        need = needed_packages(facts, 1)
        missing = sorted(need["library"] - names)
        if r.options.tools:
            missing += sorted(need.get("cli", set()) - names)
        if missing:
            fail(f"conanfile.py ({label}): no requires for {missing}")
        elif not shared:
            ok(f"conanfile.py: requires {sorted(requires)}")
        # with tests enabled (tools.build:skip_test=False) the test framework is required
        r.conf = _Conf({"tools.build:skip_test": False})
        test_requires.clear()
        r.build_requirements()
        if "catch2" in need.get("tests", set()) and not any(t.startswith("catch2/2.") for t in test_requires):
            fail(f"conanfile.py: with tests on, test_requires {test_requires} lacks Catch2 v2 (the tests use v2)")
        if not any(t.startswith("pkgconf/") for t in tool_requires):
            fail("conanfile.py: pkg-config is needed (pkg_check_modules) but no pkgconf tool_requires")
        tc = r._toolchains[0] if r._toolchains else None
        if tc is None:
            fail("conanfile.py: generate() makes no CMakeToolchain")
        else:
            for var in tc.cache_variables:
                if var.startswith("IMMICHBAK_") and var not in facts["options"]:
                    fail(f"conanfile.py: cache variable {var} is not an option() of CMakeLists.txt")
            if tc.cache_variables.get("IMMICHBAK_BUILD_CLI") != bool(r.options.tools):
                fail("conanfile.py: IMMICHBAK_BUILD_CLI does not follow the tools option")
        for gen in ("CMakeDeps", "PkgConfigDeps"):
            if not any(name == f"{gen}().generate" for name, _, _ in log):
                fail(f"conanfile.py: {gen} is not generated")
        props = r.cpp_info.properties
        want = {
            "cmake_file_name": facts["config_name"],
            "cmake_target_name": f"{facts['namespace']}{facts['export_name']}",
            "pkg_config_name": facts["pc_name"],
        }
        for key, value in want.items():
            if props.get(key) != value:
                fail(f"conanfile.py ({label}): package_info {key} = {props.get(key)!r}, the install says {value!r}")
        if r.cpp_info.libs != [facts["output_name"]]:
            fail(f"conanfile.py ({label}): libs {r.cpp_info.libs} != [{facts['output_name']!r}] (OUTPUT_NAME)")
        has_define = facts["static_define"] in (r.cpp_info.defines or [])
        if has_define == shared:
            fail(f"conanfile.py ({label}): defines {r.cpp_info.defines}: {facts['static_define']} "
                 "belongs to the static library only")
        if len(FAILURES) == before:
            ok(f"conanfile.py ({label}): package_info {want}, libs {r.cpp_info.libs}, defines {r.cpp_info.defines}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source_dir")
    ap.add_argument("work_dir")
    ap.add_argument("checks", nargs="+", choices=["manifests", "portfile", "conan"])
    ap.add_argument("--cmake", default=shutil.which("cmake") or "cmake")
    a = ap.parse_args()
    src = os.path.abspath(a.source_dir)
    os.makedirs(a.work_dir, exist_ok=True)
    facts = project_facts(src)
    for key in ("version", "output_name", "export_name", "namespace", "cmake_dir", "config_name", "pc_name"):
        if not facts[key]:
            fail(f"could not read the project's {key} from its CMake files")
    if "manifests" in a.checks:
        check_manifests(src, facts)
    if "portfile" in a.checks:
        check_portfile(src, a.work_dir, facts, a.cmake)
    if "conan" in a.checks:
        check_conan(src, a.work_dir, facts)
    if FAILURES:
        print(f"\n{len(FAILURES)} problem(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
