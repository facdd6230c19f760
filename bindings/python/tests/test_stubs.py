"""The type stubs describe the module: every public name (and every public member of every
class) of immichbak._immichbak is in _immichbak.pyi and the other way round, and __init__.pyi
declares what the package exports."""

import ast
import inspect
import pathlib

import immichbak
from immichbak import _immichbak

PACKAGE = pathlib.Path(immichbak.__file__).parent


def stub_names(path):
    """{top-level name: set of member names (classes) or None}."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    members.update(t.id for t in item.targets if isinstance(t, ast.Name))
            names[node.name] = members
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = None
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names[t.id] = None
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":  # `from ._immichbak import *`: everything that stub declares
                    names.update(stub_names(path.parent / (node.module + ".pyi")))
                elif alias.asname == alias.name:  # `import X as X`: an explicit re-export
                    names[alias.name] = None
    return names


def public(names):
    return {n for n in names if not n.startswith("_")}


def test_stubs_exist():
    for f in ("__init__.pyi", "_immichbak.pyi", "py.typed"):
        assert (PACKAGE / f).exists(), f


def test_module_stub_matches_module():
    stubs = stub_names(PACKAGE / "_immichbak.pyi")
    assert public(stubs) == public(dir(_immichbak))
    for name, members in stubs.items():
        obj = getattr(_immichbak, name, None)
        if not inspect.isclass(obj) or members is None:
            continue
        if issubclass(obj, BaseException):
            expected = {"code", "code_name", "sqlstate"} & set(vars(obj))
        elif issubclass(obj, immichbak.ErrorCode):
            expected = {m.name for m in obj}
        else:
            expected = {m for m in vars(obj) if not m.startswith("_")}
        assert expected <= members, (name, expected - members)
        extra = {m for m in members if not m.startswith("_")} - set(dir(obj))
        assert not extra, (name, extra)


def test_package_stub_matches_package():
    stubs = stub_names(PACKAGE / "__init__.pyi")
    assert "__version__" in stubs
    assert public(stubs) >= set(immichbak.__all__) - {"__version__"}
    for name in immichbak.__all__:
        assert hasattr(immichbak, name), name
